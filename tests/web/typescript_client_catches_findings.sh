#!/bin/bash
# Issue 13: the TypeScript client test must fail when one of the findings is put back into the
# document it generates from. Runs typescript_client.test.js once per finding
# (KEEL_TS_CLIENT_BREAK) and fails unless every run failed after the finding was applied (the
# test's diagnostic says so: a keel that did not start, or a document that could not be fetched,
# is not the failure looked for).
# usage: typescript_client_catches_findings.sh NODE TEST_JS KEEL RESOURCES FINDING...
set -u
node=$1 test_js=$2 keel=$3 resources=$4
shift 4
status=0
for finding in "$@"; do
  out=$(KEEL_TS_CLIENT_BREAK=$finding "$node" "$test_js" "$keel" "$resources" 2>&1)
  code=$?
  if [ "$code" -eq 0 ]; then
    echo "FAIL $finding: the client test passed with the finding put back"
    status=1
  elif ! grep -q "the document has issue 13's finding put back" <<<"$out"; then
    echo "FAIL $finding: the client test failed before the finding was applied:"
    tail -20 <<<"$out"
    status=1
  else
    echo "ok   $finding: the client test fails with it"
  fi
done
exit $status
