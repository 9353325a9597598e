"""claimgraph: a knowledge-graph store for contested claims."""

__version__ = "0.1.0"
