"""Process exit codes, one place for all commands (documented in the README).

Cron jobs act on these: 0 all good; 1 some pages/files/sites failed but output was written;
2 bad usage or invalid configuration; 3 the run completed but produced nothing; 4 another run
holds the lock on the same state; 5 the state store is corrupt or unreadable; 6 the output could
not be written (disk full, permissions); 130 interrupted (Ctrl-C / SIGTERM), output so far intact.
"""

OK = 0
PARTIAL = 1
CONFIG_ERROR = 2
NOTHING = 3
LOCKED = 4
STATE_ERROR = 5
OUTPUT_ERROR = 6
INTERRUPTED = 130
