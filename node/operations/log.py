"""Structured logs: one JSON object per line on stderr, bound to the node id (DESIGN.md §6).

Every block sealed is logged with its height, hash, transaction count and state root; every
rejected submission with its reason. Log lines are for operators: nothing reads them back.
"""

from __future__ import annotations

import logging
import sys

import structlog
from structlog.typing import FilteringBoundLogger

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


def configure_logging(level: str) -> None:
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(sort_keys=True),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS[level]),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def node_logger(node_id: str) -> FilteringBoundLogger:
    logger: FilteringBoundLogger = structlog.get_logger().bind(node_id=node_id)
    return logger
