"""A stand-in $EDITOR for tests: applies the next (old, new) replacement listed in the JSON
file $PUBDB_TEST_EDITS to the file it is given (old "" replaces the whole text; a step
of null leaves the file untouched, as quitting without saving does)."""

import json
import os
import sys

path = os.environ["PUBDB_TEST_EDITS"]
with open(path) as file:
    steps = json.load(file)
step = steps.pop(0)
with open(path, "w") as file:
    json.dump(steps, file)
if step is not None:
    old, new = step
    with open(sys.argv[1], encoding="utf-8") as file:
        text = file.read()
    with open(sys.argv[1], "w", encoding="utf-8") as file:
        file.write(text.replace(old, new) if old else new)
