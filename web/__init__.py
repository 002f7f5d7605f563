"""What every page of Pursuit shares, whichever app it lives in: the request type, scoped lookups, safe redirects.

Not a Django app: a small library for the page apps (workspace, dashboard). It imports the apps below them; they
import it; nothing below imports it.
"""
