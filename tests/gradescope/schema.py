"""Gradescope's results.json schema (spec section 8), for every test that reads a results.json."""

TOP_LEVEL = {"score", "execution_time", "output", "visibility", "stdout_visibility", "tests", "leaderboard"}
TEST_FIELDS = {"name", "score", "max_score", "status", "output", "output_format", "visibility", "tags"}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def validate_results(results):
    """Raise AssertionError unless `results` fits Gradescope's results.json schema (spec section 8)."""
    assert set(results) <= TOP_LEVEL, set(results) - TOP_LEVEL
    assert isinstance(results["execution_time"], (int, float)) and isinstance(results["output"], str)
    assert results["visibility"] in VISIBILITY and results["stdout_visibility"] in VISIBILITY
    assert isinstance(results.get("score", 0), (int, float))
    assert isinstance(results["tests"], list)
    for test in results["tests"]:
        assert set(test) <= TEST_FIELDS, set(test) - TEST_FIELDS
        assert isinstance(test["name"], str) and test["name"]
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], (int, float))
        assert 0 <= test["score"] <= test["max_score"] or test["max_score"] == 0 == test["score"]
        assert test.get("status", "passed") in ("passed", "failed")
        assert test["output_format"] in ("text", "html", "md", "ansi") and isinstance(test["output"], str)
        assert test["visibility"] in VISIBILITY
        assert isinstance(test["tags"], list) and all(isinstance(t, str) for t in test["tags"])
