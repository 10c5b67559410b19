"""The application layer: plan the jobs, run them, stream results as each account finishes,
record them and tell the person. The CLI calls this; it never calls the engine itself."""
