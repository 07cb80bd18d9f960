"""Signals other packages subscribe to, so servicecraft never imports them.

``person_saved`` is sent after a person is created or changed (flushed, not committed)
with ``user`` and ``actor``; training enrols them by its automatic rules, for example.
"""

from blinker import Namespace

_signals = Namespace()

person_saved = _signals.signal("person-saved")
