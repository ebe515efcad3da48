using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/ConnectorHost.Bench.Micro -- --filter '*'   (BenchmarkDotNet's own options)
BenchmarkSwitcher.FromAssembly(typeof(ConnectorHost.Bench.Micro.IdempotencyKeyBenchmarks).Assembly).Run(args);
