"""Imports every command module so each registers its commands on the root app.

Add one name per command module (sorted).
"""

from interviewer.cli import (
    bank,  # noqa: F401
    calibrate,  # noqa: F401
    doctor,  # noqa: F401
    documents,  # noqa: F401
    evaluate,  # noqa: F401
    grading,  # noqa: F401
    interview,  # noqa: F401
    knowledge,  # noqa: F401
    questions,  # noqa: F401
    report,  # noqa: F401
    serve,  # noqa: F401
    team,  # noqa: F401
)
