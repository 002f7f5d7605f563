"""Every benchmark case registers itself on import (see bench.registry.case for the order they run in)."""

from bench.cases import imports, inbound, mail, pages, reads, scheduler, writes

__all__ = ["imports", "inbound", "mail", "pages", "reads", "scheduler", "writes"]
