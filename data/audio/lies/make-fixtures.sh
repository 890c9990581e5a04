#!/usr/bin/env bash
# make-fixtures.sh - writes the WAV fixtures of exercise 04 whose headers lie
# about their file, byte by byte (the broken files one folder up are a good
# file cut in half, text, an empty file, an AIFF and an unknown codec). The
# ETL must refuse each with the numbers. The files are committed; this script
# says how they were made, and a test checks that it still makes them:
#   data/audio/lies/make-fixtures.sh [DIR]   (default: this script's folder)
set -euo pipefail
dir=${1:-$(dirname "$0")}

le16() { printf "\\x$(printf %02x $(($1 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))"; }
le32() { le16 $(($1 & 65535)); le16 $(($1 >> 16 & 65535)); }
# fmt chunk: TAG CHANNELS RATE BITS [BLOCK_ALIGN]
fmt() {
	local tag=$1 ch=$2 rate=$3 bits=$4 ba=${5:-$(($2 * ($4 / 8)))}
	printf 'fmt '; le32 16; le16 "$tag"; le16 "$ch"; le32 "$rate"; le32 $((rate * ba)); le16 "$ba"; le16 "$bits"
}
zeros() { head -c "$1" /dev/zero; }
# riff BODY_FILE: "RIFF" + length + "WAVE" + the body
riff() { printf 'RIFF'; le32 $(($(stat -c %s "$1") + 4)); printf 'WAVE'; cat "$1"; }
make() {
	local name=$1 body; body=$(mktemp); shift
	"$@" >"$body"
	riff "$body" >"$dir/$name"
	rm -f "$body"
}

# 444 bytes whose data chunk claims 4294967040 bytes (4 GB) after 100 float frames
lying_size() { fmt 3 1 44100 32; printf 'data'; le32 4294967040; zeros 400; }
make lying-size.wav lying_size
# 16-bit stereo (4-byte frames), 402 bytes of data: 100.5 frames
partial_frame() { fmt 1 2 44100 16; printf 'data'; le32 402; zeros 402; }
make partial-frame.wav partial_frame
# a fmt chunk of 0 channels
zero_channels() { fmt 1 0 44100 16 2; printf 'data'; le32 200; zeros 200; }
make zero-channels.wav zero_channels
# 2 channels of 16 bits, but 3 bytes a frame
bad_block() { fmt 1 2 44100 16 3; printf 'data'; le32 300; zeros 300; }
make bad-block.wav bad_block
# a LIST chunk that claims 1 MB in a file of 300 bytes, before the data
chunk_past_end() { fmt 1 1 8000 16; printf 'LIST'; le32 1048576; zeros 200; printf 'data'; le32 40; zeros 40; }
make chunk-past-end.wav chunk_past_end
# a fmt chunk and no data chunk
no_data() { fmt 1 1 8000 16; printf 'LIST'; le32 8; zeros 8; }
make no-data.wav no_data
