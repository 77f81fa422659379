"""The community catalog: listings, channel assets, audiences, evidence, import/export, search."""
