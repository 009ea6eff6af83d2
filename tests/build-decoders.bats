#!/usr/bin/env bats
# What a build decodes: gzip when it was built with ISA-L or zlib, zstd
# when built with libzstd (config.h says which).  A build made without
# them still recognises those formats by their first bytes and refuses
# them clearly, status 2, never reading them as text.  make check's
# build decodes both; .ci/run also runs this file in a build configured
# --without-zlib --without-isal --without-zstd.

load test_helper

setup() {
	common_setup
	local tool
	for tool in gzip zstd; do
		command -v "$tool" >/dev/null \
			|| fail "build-decoders.bats needs the program $tool (Debian: see the README's quick start)"
	done
	[[ -f $FANOUT_BUILD_DIR/config.h ]] || fail "no config.h in $FANOUT_BUILD_DIR"
	printf 'a:1\n' >one.txt
	gzip -c one.txt >one.gz
	zstd -q -c one.txt >one.zst
}

# built NAME...: config.h defines one of HAVE_NAME.
built() {
	local name
	for name in "$@"; do
		grep -q "^#define HAVE_$name 1" "$FANOUT_BUILD_DIR/config.h" && return 0
	done
	return 1
}

@test "gzip files are decoded by a build with ISA-L or zlib, and refused before anything is read by one without, status 2" {
	run_fanout one.txt one.gz
	if built ISAL ZLIB; then
		assert_result 0 'a	2' ''
	else
		assert_result 2 '' "fanout: one.gz: gzip-compressed input is not supported by this build; use zcat"
	fi
}

@test "zstd files are decoded by a build with libzstd, and refused before anything is read by one without, status 2" {
	run_fanout one.txt one.zst
	if built ZSTD; then
		assert_result 0 'a	2' ''
	else
		assert_result 2 '' "fanout: one.zst: zstd-compressed input is not supported by this build; use zstdcat"
	fi
}

@test "gzip and zstd on standard input: decoded, or refused when its turn comes, status 2" {
	run_fanout -o one.txt - <one.gz
	if built ISAL ZLIB; then
		assert_result 0 'a:1
a:1' ''
	else
		assert_result 2 'a:1' "fanout: -: gzip-compressed input is not supported by this build; use zcat
fanout: 1 records read, 1 accepted, 0 rejected; 4 bytes of output written"
	fi
	run_fanout -o < <(cat one.zst)
	if built ZSTD; then
		assert_result 0 'a:1' ''
	else
		assert_result 2 '' "fanout: -: zstd-compressed input is not supported by this build; use zstdcat
fanout: 0 records read, 0 accepted, 0 rejected; 0 bytes of output written"
	fi
}
