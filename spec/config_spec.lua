local np = require "lumpy"

describe("lumpy.config", function()
  describe("config", function()
    it("reports the BLAS library, its core and threads", function()
      local c = np.config()
      assert.are.equal("OpenBLAS", c.blas)
      assert.truthy(c.blas_version:match("^OpenBLAS %d+%.%d+%.%d+"), c.blas_version)
      assert.truthy(c.blas_config:find(c.blas_version, 1, true), c.blas_config)
      assert.is_string(c.blas_core)
      assert.truthy(#c.blas_core > 0)
      assert.is_true(math.type(c.blas_threads) == "integer" and c.blas_threads >= 1)
      assert.truthy(({pthread = true, openmp = true, sequential = true})[c.blas_parallel])
      assert.are.equal("LAPACKE", c.lapack)
      assert.is_true(math.type(c.cpus) == "integer" and c.cpus >= 1)
      assert.are.equal(_VERSION, c.lua:match("^Lua %d+%.%d+"))
    end)

    it("reports OPENBLAS_CORETYPE as the process saw it", function()
      assert.are.equal(os.getenv("OPENBLAS_CORETYPE"), np.config().coretype)
    end)

    it("names the core OPENBLAS_CORETYPE asks for", function()
      local want = os.getenv("OPENBLAS_CORETYPE")
      if not want then return end
      assert.are.equal(want:lower(), np.config().blas_core:lower())
    end)

    it("sets the BLAS thread count", function()
      local before = np.config().blas_threads
      assert.are.equal(1, np.config{blas_threads = 1}.blas_threads)
      assert.are.equal(1, np.config().blas_threads)
      assert.are.equal(before, np.config{blas_threads = before}.blas_threads)
    end)

    it("accepts an empty options table and nil", function()
      assert.is_table(np.config{})
      assert.is_table(np.config(nil))
    end)

    it("rejects bad options", function()
      assert.has_error(function() np.config(5) end,
        "bad argument #1 to 'config' (table expected, got number)")
      assert.has_error(function() np.config{threads = 2} end, "bad argument #1 to 'config' (unknown option 'threads')")
      assert.has_error(function() np.config{[1] = 2} end, "bad argument #1 to 'config' (unknown option '1')")
      assert.has_error(function() np.config{blas_threads = 1.5} end, "bad argument #1 to 'config' (blas_threads must be an integer)")
      assert.has_error(function() np.config{blas_threads = "2"} end, "bad argument #1 to 'config' (blas_threads must be an integer)")
      assert.has_error(function() np.config{blas_threads = 0} end, "bad argument #1 to 'config' (blas_threads must be between 1 and 1024)")
      assert.has_error(function() np.config{blas_threads = 5000} end, "bad argument #1 to 'config' (blas_threads must be between 1 and 1024)")
    end)
  end)
end)
