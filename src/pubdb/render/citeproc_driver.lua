-- Run by pubdb (render/citeproc.py) as: pandoc lua citeproc_driver.lua JOB.json
-- JOB: {format = "plain"|"html", tasks = [{name, kind = "pass1"|"format",
--        csl = path, items = CSL-JSON text, ids = [...] (pass1 only)}]}
-- Each task takes the path of `pandoc -f csljson --citeproc --csl`: the csljson reader,
-- then pandoc.utils.citeproc. Writes a JSON list of results on standard output.
local f = assert(io.open(arg[1], 'r'))
local job = pandoc.json.decode(f:read('a'), false)
f:close()

local MARK = '\30'
local fmt = job.format

local function marked(doc)
  -- a raw marker before each entry: pubdb splits the written text on it
  return doc:walk{
    Div = function(d)
      if d.identifier:sub(1, 4) == 'ref-' then
        return {pandoc.RawBlock(fmt, MARK .. d.identifier:sub(5) .. MARK), d}
      end
    end
  }
end

local results = {}
for _, task in ipairs(job.tasks) do
  local doc = pandoc.read(task.items, 'csljson')
  doc.meta.csl = task.csl
  if task.kind == 'pass1' then
    local blocks = {}
    for _, id in ipairs(task.ids) do
      blocks[#blocks + 1] = pandoc.Para{
        pandoc.Cite({pandoc.Str('[@' .. id .. ']')}, {pandoc.Citation(id, 'NormalCitation')})}
    end
    doc.blocks = blocks
    doc = pandoc.utils.citeproc(doc)
    local order, renders = {}, {}
    for _, b in ipairs(doc.blocks) do
      if b.t == 'Para' and #b.content == 1 and b.content[1].t == 'Cite' then
        renders[b.content[1].citations[1].id] = pandoc.utils.stringify(b.content[1].content)
      elseif b.t == 'Div' and b.identifier == 'refs' then
        for _, e in ipairs(b.content) do
          if e.t == 'Div' then order[#order + 1] = e.identifier:sub(5) end
        end
      end
    end
    results[#results + 1] = {name = task.name, order = order, renders = renders}
  else
    doc = pandoc.utils.citeproc(doc)
    results[#results + 1] = {name = task.name,
                             text = pandoc.write(marked(doc), fmt, {wrap_text = 'none'})}
  end
end
io.write(pandoc.json.encode(results))
