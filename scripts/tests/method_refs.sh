#!/usr/bin/env bash
# Checks docs/method.md's equation table: every `file:line` in a row must exist, a code line must
# declare the row's function (`func NAME`) and a script line must hold the row's call.
# Prints `method refs: N passed, M failed`; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
doc=docs/method.md
pass=0; fail=0
while IFS= read -r row; do
  IFS='|' read -r _ eq step fn code call script _ <<<"$row"
  strip() { local s="${1//\`/}"; s="${s#"${s%%[![:space:]]*}"}"; printf '%s' "${s%"${s##*[![:space:]]}"}"; }
  fn=$(strip "$fn"); code=$(strip "$code"); call=$(strip "$call"); script=$(strip "$script")
  for ref in "$code" "$script"; do
    file=${ref%:*}; line=${ref##*:}
    if [ ! -f "$file" ]; then fail=$((fail+1)); echo "FAIL $ref: no file $file"; continue; fi
    text=$(sed -n "${line}p" "$file")
    if [ "$ref" = "$code" ]; then want="func $fn"; else want="$call"; fi
    if grep -qF -- "$want" <<<"$text"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $ref: line $line does not hold '$want': $text"; fi
  done
done < <(grep -E '^\| [0-9—]+ \|' "$doc")
echo "method refs: $pass passed, $fail failed"
[ "$pass" -gt 0 ] && [ "$fail" -eq 0 ]
