import interviewer.grading as grading


def test_grading_exports_are_complete():
    public = {
        n
        for n in vars(grading)
        if not n.startswith("_") and n[0].isupper() or n.startswith("build_")
    }
    missing = {
        n
        for n in public
        if n not in grading.__all__ and not isinstance(getattr(grading, n), type(grading))
    }
    assert missing <= {"Callable", "Path", "Literal", "ConfigError", "Settings", "Embedder"}
    for name in grading.__all__:
        assert hasattr(grading, name)
