"""The domain, pure: jobs, results, profiles, and the decisions a run makes (what a mode
does with a state read, the exit code, what counts as a reset). Nothing here touches a browser."""
