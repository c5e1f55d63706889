#!/usr/bin/env bash
# Checks that every reference in the code to a page under docs/ resolves: the page exists and, for
# "docs/<page>.md §X", has a heading for section X (§4a–b: both §4a and §4b; §9(a) is §9a); for
# "docs/design.md decision N", has decision N. Comment lines are joined first, so a reference wrapped
# over two javadoc lines is checked too. Prints one line per distinct reference; exits 1 if any fails.
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 2
refs=$(git ls-files '*.java' | while read -r f; do
    perl -0pe 's/\n\s*(\*|\/\/)?\s*/ /g' "$f" |
        grep -oE 'docs/[a-z-]+\.md( §[0-9]+[a-z]?(\([a-z]\))?([–-][a-z])?| decision [0-9]+)?'
done | sort | uniq -c)
fail=0
while read -r count ref; do
    [ -z "$ref" ] && continue
    page=${ref%% *}
    what=${ref#"$page"}; what=${what# }
    status=ok
    if [ ! -f "$page" ]; then
        status="MISSING PAGE"
    elif [[ $what == decision* ]]; then
        n=${what#decision }
        grep -qE "^$n\. \*\*" "$page" || status="NO DECISION $n"
    elif [[ -n $what ]]; then
        x=${what#§}; x=${x//[()]/}
        num=$(sed -E 's/^([0-9]+).*/\1/' <<<"$x")
        letters=$(sed -E 's/^[0-9]+//; s/[–-]//' <<<"$x")
        if [ -z "$letters" ]; then
            grep -qE "^#+ §$num\. " "$page" || status="NO HEADING §$num"
        else
            for ((i = 0; i < ${#letters}; i++)); do
                grep -qE "^#+ §$num${letters:$i:1}\. " "$page" || status="NO HEADING §$num${letters:$i:1}"
            done
        fi
    fi
    [ "$status" = ok ] || fail=1
    printf '%-4s %-40s x%s\n' "$status" "$ref" "$count"
done <<<"$refs"
exit $fail
