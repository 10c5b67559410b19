"""The browser: finding and launching it, finding controls the way a person does, bounded page
loads and waits, and the evidence kept of each page."""
