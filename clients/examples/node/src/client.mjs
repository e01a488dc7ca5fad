// A thin promise wrapper over the Ledger service and the standard health service, mutual TLS only.
import fs from 'node:fs';
import grpc from '@grpc/grpc-js';
import { grpcServices, DEFAULT_PROTO_DIR } from './proto.mjs';
import { statusDetails } from './errors.mjs';

// protocol.md §1: a full block can be large; the Python client raises its limit to 64 MiB.
// grpc-js passes an IP-literal target host as TLS SNI, which node flags (DEP0123) although the
// certificate check itself (IP SAN) is right. Hide that one warning only.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const code = typeof rest[0] === 'object' ? rest[0]?.code : rest[1];
  if (code === 'DEP0123') return;
  emitWarning(warning, ...rest);
};

export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export class LedgerClient {
  /**
   * @param {object} o
   * @param {string} o.node HOST:PORT
   * @param {string} o.ca PEM bundle the node's certificate must chain to
   * @param {string} o.cert client leaf certificate (PEM), not the CA chain file
   * @param {string} o.key client private key (PEM)
   * @param {string} [o.serverName] TLS name to expect, if not the host of o.node
   */
  constructor({ node, ca, cert, key, serverName, protoDir = DEFAULT_PROTO_DIR, deadlineMs = 35000 }) {
    const { Ledger, Health } = grpcServices(protoDir);
    const creds = grpc.credentials.createSsl(fs.readFileSync(ca), fs.readFileSync(key), fs.readFileSync(cert));
    const options = {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    };
    if (serverName) options['grpc.ssl_target_name_override'] = serverName;
    this.ledger = new Ledger(node, creds, options);
    this.health = new Health(node, creds, options);
    this.deadlineMs = deadlineMs;
  }

  #call(stub, method, request) {
    return new Promise((resolve, reject) => {
      stub[method](request, { deadline: Date.now() + this.deadlineMs }, (err, response) => {
        if (err) {
          // The node's stable reason (ErrorInfo, protocol.md §6), when it sent one.
          err.reason = statusDetails(err).errorInfo?.reason;
          const reason = err.reason ? ` ${err.reason}` : '';
          err.message = `${method}: ${grpc.status[err.code] ?? err.code}${reason}: ${err.details ?? err.message}`;
          reject(err);
        } else resolve(response);
      });
    });
  }

  healthCheck(service = '') { return this.#call(this.health, 'Check', { service }); }
  getChainInfo() { return this.#call(this.ledger, 'GetChainInfo', {}); }
  submitTransaction(envelope, waitForCommit = false) {
    return this.#call(this.ledger, 'SubmitTransaction', { envelope, wait_for_commit: waitForCommit });
  }
  getTransaction(transactionId) { return this.#call(this.ledger, 'GetTransaction', { transaction_id: transactionId }); }
  getBlock(height = 0) { return this.#call(this.ledger, 'GetBlock', { height: String(height) }); }
  getProperty(cadastralNumber) { return this.#call(this.ledger, 'GetProperty', { cadastral_number: cadastralNumber }); }
  getPropertyExtract(cadastralNumber) {
    return this.#call(this.ledger, 'GetPropertyExtract', { cadastral_number: cadastralNumber });
  }

  close() { this.ledger.close(); this.health.close(); }
}

export const isGrpcCode = (err, name) => err && err.code === grpc.status[name];
