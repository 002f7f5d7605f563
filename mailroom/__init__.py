"""Email that goes out from Pursuit and the replies that come back: each rep's mailbox, the outbox, the listener.

Above the cadence (it logs touches and pauses leads through the cadence's services), below the pages.
"""
