"""Portfolio pages: the cabinet, outcomes, performances, ticks, files, teaching, registrar."""
