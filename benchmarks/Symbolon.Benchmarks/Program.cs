using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/Symbolon.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
