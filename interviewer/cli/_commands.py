"""Imports every command module so each registers its commands on the root app.

Add one line per command module; keep them in this order.
"""

from interviewer.cli import doctor  # noqa: F401
from interviewer.cli import knowledge  # noqa: F401
from interviewer.cli import report  # noqa: F401
from interviewer.cli import questions  # noqa: F401
from interviewer.cli import grading  # noqa: F401
from interviewer.cli import calibrate  # noqa: F401
from interviewer.cli import documents  # noqa: F401
from interviewer.cli import interview  # noqa: F401
from interviewer.cli import serve  # noqa: F401
from interviewer.cli import evaluate  # noqa: F401
from interviewer.cli import bank  # noqa: F401
