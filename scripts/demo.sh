#!/usr/bin/env bash
# The README's main job on the embedded default: make a synthetic world and
# import it. Later stages (evaluation, report) are added here as they land.
set -euo pipefail
bin=${1:-bin/datalab}; dir=${2:-out/demo}; n=${3:-100000}
mkdir -p "$dir"
"$bin" synth --out "$dir/world" --people "$n" --seed 1
"$bin" spine import --from "$dir/world/spine" --db "$dir/spine.duckdb"
"$bin" spine summary --db "$dir/spine.duckdb"
