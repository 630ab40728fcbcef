#!/usr/bin/env bash
# The README's main job on the embedded default: make a synthetic world,
# import it into DuckDB, evaluate an example programme, and print the
# headline results beside the synthetic truth.
set -euo pipefail
bin=${1:-bin/datalab}; dir=${2:-out/demo}; n=${3:-100000}
mkdir -p "$dir"
if [ ! -f "$dir/world/truth.json" ]; then
  "$bin" synth --out "$dir/world" --people "$n" --seed 1
fi
"$bin" spine import --from "$dir/world/spine" --db "$dir/spine.duckdb"
"$bin" spine summary --db "$dir/spine.duckdb"
"$bin" evaluate --quiet --spine "$dir/spine.duckdb" \
  --participants "$dir/world/programmes/jobsearch_plus/participants_noisy.csv" \
  --programme jobsearch_plus --out "$dir/evaluation" --truth "$dir/world/truth.json" \
  | sed -n '/^Evaluation of/,$p'
echo
echo "The published report is $dir/evaluation/report.html (open it in a browser);"
echo "the evaluation behind it is in $dir/evaluation (evaluation.json, summary.txt, linked.csv)."
echo "To click through the web service: $bin serve --demo"
