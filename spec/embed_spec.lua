-- The embedding API (src/lumpy.h): a C host wraps its own buffer with no
-- copy, a script writes through it, the host reads an array back, and the
-- host's release callback runs exactly once when the state closes.
describe("lumpy embedding API", function()
  it("examples/embed/host.c builds and runs", function()
    local ok = os.execute("make -s embed > /tmp/lumpy-embed-build.log 2>&1")
    assert.is_true(ok, io.open("/tmp/lumpy-embed-build.log"):read("a"))
    local p = io.popen("env -u LD_PRELOAD LUA_PATH='lua/?.lua;lua/?/init.lua;;' ./build/embed-host 2>&1")
    local out = p:read("a")
    local _, _, code = p:close()
    assert.are.equal(0, code, out)
    assert.matches("sum 42\n", out)
    assert.matches("host buffer after the script: 2 4 6 8 10 12\n", out)
    assert.matches("returned array: ndim 2, shape 2x2, dtype 3, last 4\n", out)
    assert.matches("f%(1%) = 0.367879\n", out)
    assert.matches("released 1 host buffer", out)
    -- C function pointers passed to the kernels (closed forms: sqrt(pi),
    -- Rosenbrock's minimum (1, 1), exp(-1))
    assert.matches("quad of the C integrand: 1.772453850906\n", out)
    assert.matches("minimize of the C objective: 1.000000 1.000000\n", out)
    assert.matches("solve_ivp of the C right%-hand side: y%(1%) = 0.367879441\n", out)
  end)
  it("separate states in separate threads at once (examples/embed/threads.c)", function()
    local ok = os.execute("make -s embed > /tmp/lumpy-embed-build.log 2>&1")
    assert.is_true(ok, io.open("/tmp/lumpy-embed-build.log"):read("a"))
    local p = io.popen("env -u LD_PRELOAD LUA_PATH='lua/?.lua;lua/?/init.lua;;' ./build/embed-threads 2>&1")
    local out = p:read("a")
    local _, _, code = p:close()
    assert.are.equal(0, code, out)
    for id = 1, 4 do
      local expect = 999 * 1000 // 2 + 1000 * id
      assert.matches(("thread %d: ok 1, result %d %%(expected %d%%), released 200 of 200")
        :format(id, expect, expect), out)
    end
  end)
end)
