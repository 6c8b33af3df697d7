// Runs the page's encoders (web/src/parity.js) on a JSON job read from stdin and prints the
// answers as JSON, for tests/unit/test_web_encoding.py to compare with the Python encoders.
import { readFileSync } from "node:fs";
import { runJob } from "../../../web/src/parity.js";

process.stdout.write(JSON.stringify(runJob(JSON.parse(readFileSync(0, "utf8")))));
