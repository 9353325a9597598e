"""The parts of the application object (:class:`claimgraph.api.Claimgraph`), one job each."""
