#!/usr/bin/env bash
# Regenerates the corpus golden files of the kernel tests:
#   testdata/corpus_128k_s1.tex        l0ctl corpus --bytes 131072 --seed 1
#   testdata/corpus_128k_s1.tokens.gz  its token stream as LuaTeX reads it (texdump)
# Run from anywhere: kernel/testdata/gen_golden.sh. Needs luatex and the texdump
# oracle ($TEXDUMP, default ../shared/oracle/texdump beside the repository).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
texdump=${TEXDUMP:-$root/../shared/oracle/texdump}
[ -x "$texdump" ] || { echo "gen_golden: no texdump at $texdump (set TEXDUMP)" >&2; exit 1; }
cd "$root"
go run ./cmd/l0ctl corpus --bytes 131072 --seed 1 --out "$here/corpus_128k_s1.tex"
"$texdump" "$here/corpus_128k_s1.tex" | gzip -9n > "$here/corpus_128k_s1.tokens.gz"
echo "gen_golden: wrote $here/corpus_128k_s1.tex and corpus_128k_s1.tokens.gz ($(zcat "$here/corpus_128k_s1.tokens.gz" | wc -l) tokens)"
