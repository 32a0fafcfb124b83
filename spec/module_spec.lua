-- The module as a whole: loading leaves no globals behind, submodules load on
-- first use, dtype constants exist.
describe("lumpy module", function()
  it("require leaves no globals behind", function()
    local before = {}
    for k in pairs(_G) do before[k] = true end
    package.loaded["lumpy"] = nil
    local np = require "lumpy"
    assert.is_table(np)
    for k in pairs(_G) do
      assert.is_true(before[k] ~= nil, "new global: " .. tostring(k))
    end
  end)
  it("exposes dtype constants as strings", function()
    local np = require "lumpy"
    for _, d in ipairs{"float64", "float32", "int64", "int32", "uint8", "bool", "complex128"} do
      assert.are.equal(d, np[d])
    end
  end)
  it("its submodules expose no internal (underscore) names", function()
    local np = require "lumpy"
    for _, name in ipairs{"linalg", "optimize", "integrate"} do
      for k in pairs(np[name]) do
        assert.is_false(type(k) == "string" and k:sub(1, 1) == "_", name .. "." .. tostring(k))
      end
    end
  end)
  it("gives nil for unknown names", function()
    local np = require "lumpy"
    assert.is_nil(np.no_such_function)
  end)
end)
