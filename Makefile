# lumpy: NumPy and SciPy for Lua 5.4.
#
#   make            build lua/lumpy/core.so
#   make test       run the busted specs (installs Debian packages if missing)
#   make demo       run examples/tour.lua
#   make asan       build with AddressSanitizer + UBSan and run every spec
#   make bench      lumpy against NumPy/SciPy, side by side
#   make install    install under PREFIX (LUA_LIBDIR, LUA_DIR)
#
# Knobs:
CC       ?= gcc
PKGS     ?= lua5.4 openblas lapacke
OPT      ?= -O2
PREFIX   ?= /usr/local
LUA_LIBDIR ?= $(PREFIX)/lib/lua/5.4
LUA_DIR  ?= $(PREFIX)/share/lua/5.4
LUA      ?= lua5.4
BUSTED   ?= $(LUA) /usr/bin/busted
# the build and the specs; NumPy/SciPy for bench/ (spec/bench_spec.lua runs it at tiny sizes)
DEBS     = lua5.4 liblua5.4-dev libopenblas-dev liblapacke-dev lua-busted luarocks pkg-config \
           python3-numpy python3-scipy

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# OpenBLAS and LAPACKE are not linked: src/blas.c loads them on first use,
# from the directories pkg-config names (else through the runtime linker)
BLAS_DIR    := $(patsubst %/,%,$(shell pkg-config --variable=libdir openblas 2>/dev/null))
LAPACKE_DIR := $(patsubst %/,%,$(shell pkg-config --variable=libdir lapacke 2>/dev/null))
BLAS_DEFS   = $(if $(BLAS_DIR),-DLUMPY_BLAS_DIR='"$(BLAS_DIR)"') \
              $(if $(LAPACKE_DIR),-DLUMPY_LAPACKE_DIR='"$(LAPACKE_DIR)"')
WARN     = -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
           -Wno-unused-parameter
CFLAGS  ?= $(OPT) -g
ALL_CFLAGS = -std=c99 -D_POSIX_C_SOURCE=200809L -fPIC -fno-math-errno -fvect-cost-model=dynamic -pthread $(WARN) $(CFLAGS) $(PKG_CFLAGS)
LDLIBS   = -ldl -lpthread -lm

SRCS := $(wildcard src/*.c)
OBJDIR ?= build
OBJS := $(SRCS:src/%.c=$(OBJDIR)/%.o)
SO   ?= lua/lumpy/core.so

.PHONY: all deps test demo asan memcheck bench bench-tools install clean embed

all: $(SO)

$(OBJDIR)/%.o: src/%.c src/core.h src/lumpy.h | $(OBJDIR)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(OBJDIR)/blas.o: ALL_CFLAGS += $(BLAS_DEFS)

$(OBJDIR):
	mkdir -p $(OBJDIR)

$(SO): $(OBJS)
	$(CC) -shared $(ALL_CFLAGS) -o $@ $(OBJS) $(LDLIBS)

# installs the Debian packages that are missing (through sudo when not root)
deps:
	@missing=""; for p in $(DEBS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

SPECS ?= spec

test: deps
	@$(MAKE) --no-print-directory all
	@LUA_PATH="lua/?.lua;lua/?/init.lua;spec/?.lua;;" LUA_CPATH="lua/?.so;;" \
	  $(LUA) spec/run.lua $(SPECS)

demo: deps
	@$(MAKE) --no-print-directory all
	@LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="lua/?.so;;" $(LUA) examples/tour.lua

ASAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
asan: deps
	@$(MAKE) --no-print-directory OBJDIR=build-asan SO=build-asan/lumpy/core.so \
	  CFLAGS="$(ASAN_FLAGS)" build-asan/lumpy/core.so
	@mkdir -p build-asan/lumpy
	@LUA_PATH="lua/?.lua;lua/?/init.lua;spec/?.lua;;" LUA_CPATH="build-asan/?.so;;" \
	  LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
	  LUMPY_ASAN=1 ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(LUA) spec/run.lua $(SPECS)

# the whole spec suite under valgrind's memcheck: it sees what ASan cannot,
# writes by OpenBLAS/LAPACK (not instrumented) past a work block that lumpy
# sized (about 2.5 minutes)
memcheck: deps
	@$(MAKE) --no-print-directory deps DEBS="$(DEBS) valgrind"
	@$(MAKE) --no-print-directory all
	@LUA_PATH="lua/?.lua;lua/?/init.lua;spec/?.lua;;" LUA_CPATH="lua/?.so;;" OPENBLAS_NUM_THREADS=1 \
	  LUMPY_SPEC_WRAP="valgrind -q --error-exitcode=9 --undef-value-errors=no" \
	  $(LUA) spec/run.lua $(SPECS)

build-asan/lumpy/core.so: | build-asan/lumpy
build-asan/lumpy:
	mkdir -p build-asan/lumpy

# a C host program embedding Lua and lumpy (examples/embed/host.c)
embed: $(OBJDIR)/embed-host $(OBJDIR)/embed-threads
$(OBJDIR)/embed-%: examples/embed/%.c $(SO) src/lumpy.h
	$(CC) -std=c99 -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) -Isrc $(PKG_CFLAGS) -o $@ $< $(SO) \
	  -Wl,-rpath,$(abspath $(dir $(SO))) $(shell pkg-config --libs lua5.4) -lpthread -lm

# bench: BENCH="sum linalg" selects workloads, BENCH="--reps 9" sets options (bench/run -h)
bench-tools: bench/limits bench/clock.so

bench/limits: bench/limits.c
	$(CC) $(ALL_CFLAGS) -O3 -o $@ $< $(shell pkg-config --libs lua5.4 openblas) -lpthread -lm

bench/clock.so: bench/clock.c
	$(CC) -shared $(ALL_CFLAGS) -o $@ $<

bench: deps
	@$(MAKE) --no-print-directory all bench-tools
	@bench/run $(BENCH)

install: all
	install -d $(DESTDIR)$(LUA_LIBDIR)/lumpy $(DESTDIR)$(LUA_DIR)/lumpy
	install -m 755 $(SO) $(DESTDIR)$(LUA_LIBDIR)/lumpy/core.so
	install -m 644 lua/lumpy/*.lua $(DESTDIR)$(LUA_DIR)/lumpy/

clean:
	rm -rf build build-asan $(SO) bench/limits bench/clock.so
