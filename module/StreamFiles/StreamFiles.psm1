# Loads the build of the engine that matches this PowerShell: .NET 8 for PowerShell 7.4+,
# .NET Standard 2.0 for Windows PowerShell 5.1. The cmdlets are the same in both.
if ($PSEdition -eq 'Core') {
    $framework = 'net8.0'
}
else {
    $framework = 'netstandard2.0'
}

$assemblyPath = Join-Path -Path $PSScriptRoot -ChildPath "bin/$framework/StreamFiles.PowerShell.dll"
if (-not (Test-Path -LiteralPath $assemblyPath)) {
    throw "StreamFiles is not built for '$framework': '$assemblyPath' is missing. Run ./build.ps1 -Task Package and import ./out/StreamFiles."
}

Import-Module -Name $assemblyPath -ErrorAction Stop

# The manifest's CmdletsToExport names the public cmdlets; the binary module offers only those.
Export-ModuleMember -Cmdlet '*'
