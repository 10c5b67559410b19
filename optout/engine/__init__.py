"""The engine: for one account, reach each setting, read it, change it and verify it on a fresh
load. Nothing here knows a particular platform; that lives in the recipes."""
