"""Signing in as a recipe describes: credentials, challenges, the person at the terminal."""
