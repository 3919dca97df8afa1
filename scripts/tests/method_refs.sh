#!/usr/bin/env bash
# Checks docs/method.md's equation table: every `file:line` in a row must exist, a code line must
# declare the row's function (`func NAME`) and a script line must hold the row's call.
# Prints `method refs: N passed, M failed`; exit 1 on any failure. `--fix` moves each stale
# reference to the nearest line that holds its function or call (then check the diff).
set -uo pipefail
cd "$(dirname "$0")/../.."
doc=docs/method.md
fix=0; [ "${1:-}" = "--fix" ] && fix=1
pass=0; fail=0
while IFS= read -r numbered; do
  docline=${numbered%%:*}; row=${numbered#*:}
  IFS='|' read -r _ eq step fn code call script _ <<<"$row"
  strip() { local s="${1//\`/}"; s="${s#"${s%%[![:space:]]*}"}"; printf '%s' "${s%"${s##*[![:space:]]}"}"; }
  fn=$(strip "$fn"); code=$(strip "$code"); call=$(strip "$call"); script=$(strip "$script")
  for ref in "$code" "$script"; do
    file=${ref%:*}; line=${ref##*:}
    if [ ! -f "$file" ]; then fail=$((fail+1)); echo "FAIL $ref: no file $file"; continue; fi
    text=$(sed -n "${line}p" "$file")
    if [ "$ref" = "$code" ]; then want="func $fn("; else want="$call("; fi
    if grep -qF -- "$want" <<<"$text"; then pass=$((pass+1)); continue; fi
    if [ $fix = 1 ]; then
      new=$(grep -nF -- "$want" "$file" | cut -d: -f1 | awk -v l="$line" '{ d = $1 - l; if (d < 0) d = -d; if (best == "" || d < bd) { best = $1; bd = d } } END { print best }')
      if [ -n "$new" ]; then sed -i "${docline}s#\`$ref\`#\`$file:$new\`#" "$doc"; echo "moved $ref to line $new"; pass=$((pass+1)); continue; fi
    fi
    fail=$((fail+1)); echo "FAIL $ref: line $line does not hold '$want': $text"
  done
done < <(grep -nE '^\| [0-9—]+ \|' "$doc")
echo "method refs: $pass passed, $fail failed"
[ "$pass" -gt 0 ] && [ "$fail" -eq 0 ]
