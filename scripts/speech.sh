#!/bin/sh
# Records the kiosk's spoken prompts: every question, option and SIPAS
# element title of assets/questionnaires, in Vietnamese and English, with
# espeak-ng (Debian's `vi` and `en` voices), encoded as Opus in Ogg at a low
# speech bitrate, into assets/kiosk/audio/<lang>/<hash of the text>.ogg,
# which the kiosk binary embeds. Nothing is fetched: no cloud service hears
# the texts. Run it from the repository root after changing a
# questionnaire's wording, and commit what it writes:
#
#     apt-get install espeak-ng opus-tools   # once
#     scripts/speech.sh
#
# The same tools and texts give the same files (fixed Ogg serial number); a
# recording no text names any more is removed.
set -eu
cd "$(dirname "$0")/.."
command -v espeak-ng >/dev/null || { echo "speech.sh: needs espeak-ng (apt-get install espeak-ng)" >&2; exit 1; }
command -v opusenc >/dev/null || { echo "speech.sh: needs opusenc (apt-get install opus-tools)" >&2; exit 1; }
out=assets/kiosk/audio
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go run ./scripts/speechtexts >"$tmp/texts"
mkdir -p "$out/vi" "$out/en"
: >"$tmp/keep"
tab=$(printf '\t')
while IFS="$tab" read -r lang file text; do
	echo "$lang/$file" >>"$tmp/keep"
	# -s 150: a little slower than the default 175 words a minute, for
	# elderly listeners.
	espeak-ng -v "$lang" -s 150 -w "$tmp/say.wav" -- "$text"
	opusenc --quiet --bitrate 12 --downmix-mono --serial 1 --comp 10 \
		--comment "TITLE=$text" "$tmp/say.wav" "$out/$lang/$file"
done <"$tmp/texts"
for f in "$out"/*/*.ogg; do
	rel=${f#"$out"/}
	grep -qx "$rel" "$tmp/keep" || rm -f "$f"
done
echo "speech.sh: $(wc -l <"$tmp/keep") recordings in $out ($(du -sk "$out" | cut -f1) KiB)"
