module github.com/runlog/runlog/examples/go

go 1.24

require github.com/runlog/runlog/bindings/go v0.0.0

replace github.com/runlog/runlog/bindings/go => ../../bindings/go
