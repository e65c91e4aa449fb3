#!/bin/sh
# One-shot (service temporal-namespace, image temporalio/admin-tools): waits until the cluster
# answers, then makes sure missionflow's namespace exists with the search attributes its workflows
# set. Safe to run again: it only creates what is missing. The platform can ensure the same itself
# (temporal/namespace.ts); doing it here means no process starts before the cluster is ready for it.
set -eu

address="${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS must be set}"
namespace="${TEMPORAL_NAMESPACE:?TEMPORAL_NAMESPACE must be set}"
retention="${TEMPORAL_NAMESPACE_RETENTION:-7d}"
# domain/search-attributes.ts: customSearchAttributes, all of type Keyword.
search_attributes="MissionId DocumentClass Lane IngestStatus"

# Runs a command until it succeeds, for at most about two minutes: right after start (or right after
# the namespace is registered) the services answer before their caches agree.
retry() {
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge 60 ]; then
      echo "giving up after $attempt attempts: $*" >&2
      return 1
    fi
    attempt=$((attempt + 1))
    sleep 2
  done
}

retry temporal operator cluster health --address "$address"

if ! temporal operator namespace describe --address "$address" --namespace "$namespace" > /dev/null 2>&1; then
  echo "registering namespace ${namespace} (retention ${retention})"
  temporal operator namespace create --address "$address" --namespace "$namespace" --retention "$retention"
fi

# One attribute per call: the CLI (1.5) answers success to several --name flags but adds only the
# first. Each is read back, because right after registration the answers can precede the state.
has_search_attribute() {
  temporal operator search-attribute list --address "$address" --namespace "$namespace" --output json |
    grep -q "\"$1\""
}
ensure_search_attribute() {
  has_search_attribute "$1" || {
    temporal operator search-attribute create --address "$address" --namespace "$namespace" \
      --name "$1" --type Keyword > /dev/null && has_search_attribute "$1"
  }
}
for name in $search_attributes; do
  retry ensure_search_attribute "$name"
  echo "search attribute ${name} (Keyword) is in ${namespace}"
done
echo "namespace ${namespace} is ready"
