module github.com/runlog/runlog/bindings/go

go 1.24
