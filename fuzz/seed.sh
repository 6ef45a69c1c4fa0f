#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seed inputs taken from the repository's fixtures, the
# shared corpus and cases beside it, and the built-in rule packs. Run from the repository
# root: `bash fuzz/seed.sh`. Existing corpus files are kept; seeds are added beside them.
#
# The csv and data_file targets read their first byte as a selector (dialect and chunk size,
# or file format), so each data file is seeded with a few selector bytes in front.
set -euo pipefail

root=$(pwd)
shared=${MLCONFORM_SHARED:-$root/../shared}
corpus=$root/fuzz/corpus
max=8192
mkdir -p "$corpus"/{json,yaml,front_matter,decode,schema_findings,csv,data_file,rule_pack,config}

sources=("$root/fixtures" "$root/docs")
[ -d "$shared/corpus" ] && sources+=("$shared/corpus")
[ -d "$shared/cases" ] && sources+=("$shared/cases")

# Copies the first $max bytes of FILE to FOLDER, named by its checksum, after the bytes PREFIX
# (printf escapes) when one is given.
seed() {
    local folder=$1 file=$2 prefix=${3:-} name
    name=$( { printf "$prefix"; head -c "$max" "$file"; } | sha1sum | cut -c1-16)
    { printf "$prefix"; head -c "$max" "$file"; } > "$corpus/$folder/$name"
}

while IFS= read -r -d '' file; do
    seed decode "$file"
    case $file in
        *.json) seed json "$file"; seed schema_findings "$file"; seed data_file "$file" '\x03' ;;
        *.yaml | *.yml | */MLproject | */MLmodel) seed yaml "$file"; seed schema_findings "$file" ;;
        *.md) seed front_matter "$file" ;;
        *.csv)
            for selector in '\x00' '\x48' '\xa8' '\xc0'; do seed csv "$file" "$selector"; done
            seed data_file "$file" '\x00' ;;
        *.tsv)
            for selector in '\x01' '\x51' '\xc1'; do seed csv "$file" "$selector"; done
            seed data_file "$file" '\x01' ;;
        *.jsonl | *.ndjson) seed data_file "$file" '\x02' ;;
        *.toml) seed config "$file" ;;
    esac
done < <(find "${sources[@]}" -type f -size -1024k -print0)

# Rule packs: one seed per rule, each a whole pack with that rule alone, so that inputs stay
# small enough to mutate quickly.
python3 - "$root/rules" "$corpus/rule_pack" <<'PY'
import hashlib, pathlib, re, sys
rules, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for pack in sorted(rules.glob("*/*.yaml")):
    text = pack.read_text()
    head, _, body = text.partition("\nrules:\n")
    head = re.sub(r"(?m)^extends:.*$", "extends: []", head)
    for rule in re.split(r"(?m)^(?=  - id: )", body)[1:]:
        seed = f"{head}\nrules:\n{rule}".encode()
        (out / hashlib.sha1(seed).hexdigest()[:16]).write_bytes(seed)
PY

# Configurations: the TOML examples of the documentation, and what `mlconform init` writes.
python3 - "$root/docs" "$corpus/config" <<'PY'
import hashlib, pathlib, re, sys
docs, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for page in docs.glob("*.md"):
    for block in re.findall(r"```toml\n(.*?)```", page.read_text(), re.S):
        (out / hashlib.sha1(block.encode()).hexdigest()[:16]).write_text(block)
PY
project=$(mktemp -d)
cp -r "$root/fixtures/example-project/." "$project/"
if cargo run --quiet --release -- init "$project" >/dev/null 2>&1 && [ -f "$project/mlconform.toml" ]; then
    cp "$project/mlconform.toml" "$corpus/config/init-output"
fi
rm -rf "$project"

# The inputs kept as regression tests are seeds too.
for folder in "$root"/fuzz/regressions/*/; do
    cp "$folder"* "$corpus/$(basename "$folder")/"
done

for folder in "$corpus"/*; do
    printf '%-16s %6d inputs\n' "$(basename "$folder")" "$(find "$folder" -type f | wc -l)"
done
