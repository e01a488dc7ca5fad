"""Between nodes: the Peer service (consensus messages, gossip, block fetch), outgoing peer
channels, block sync, and the KTK observer engine.

May import: node.engine, node.chain, ledger, consensus, clients.channel.
"""
