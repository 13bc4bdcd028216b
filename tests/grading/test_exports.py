import interviewer.grading as grading


def test_grading_exports_are_complete():
    defined = {
        name
        for name, obj in vars(grading).items()
        if not name.startswith("_")
        and str(getattr(obj, "__module__", "")).startswith("interviewer.grading")
    }
    assert defined <= set(grading.__all__)
    assert all(hasattr(grading, name) for name in grading.__all__)
