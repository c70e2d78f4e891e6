# Writes the mlbench data sets of hourglass's table suite (`hourglass detect bench tables`) as
# CSV files, one per data set, plus a <name>.schema.json describing each column's R type
# (numeric, logical, factor or ordered factor, with the factor levels in order), so that the
# suite's loading rules live in one place (src/data/tables/mlbench-suite.ts) and not here.
# Usage: Rscript scripts/mlbench-export.R OUT_DIR NAME...
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
dir.create(out, recursive = TRUE, showWarnings = FALSE)
quote_json <- function(s) paste0('"', gsub('"', '\\\\"', gsub('\\\\', '\\\\\\\\', s)), '"')
for (name in args[-1]) {
  env <- new.env()
  data(list = name, package = "mlbench", envir = env)
  d <- get(name, envir = env)
  cols <- vapply(names(d), function(n) {
    v <- d[[n]]
    type <- if (is.ordered(v)) "ordered" else if (is.factor(v)) "factor" else if (is.logical(v)) "logical" else if (is.numeric(v)) "numeric" else "character"
    levels <- if (is.factor(v)) paste0(', "levels": [', paste(quote_json(levels(v)), collapse = ", "), "]") else ""
    paste0('{"name": ', quote_json(n), ', "type": "', type, '"', levels, "}")
  }, character(1))
  tmp <- file.path(out, paste0(name, ".csv.tmp"))
  write.csv(d, tmp, row.names = FALSE, na = "")
  file.rename(tmp, file.path(out, paste0(name, ".csv")))
  writeLines(paste0('{"name": ', quote_json(name), ', "rows": ', nrow(d), ', "columns": [', paste(cols, collapse = ", "), "]}"),
             file.path(out, paste0(name, ".schema.json")))
}
