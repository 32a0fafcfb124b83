local np = require "lumpy"

describe("lumpy array core", function()
  it("creates from nested tables with dtype inference", function()
    local a = np.array{{1, 2, 3}, {4, 5, 6}}
    assert.are.same({2, 3}, a.shape)
    assert.are.equal("int64", a.dtype)
    assert.are.equal(6, a:get(2, 3))
    assert.are.equal("float64", np.array{1, 2.5}.dtype)
    assert.are.equal("bool", np.array{true, false}.dtype)
  end)
end)
