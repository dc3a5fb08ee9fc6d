# Loads the build of the module that matches this PowerShell: .NET 8 for PowerShell 7.4+ (its engine
# isolated in a private load context), .NET Standard 2.0 for Windows PowerShell 5.1.
if ($PSEdition -eq 'Core') {
    if ($PSVersionTable.PSVersion -lt [version]'7.4') {
        throw "StreamFiles needs PowerShell 7.4 or later (this is $($PSVersionTable.PSVersion)), or Windows PowerShell 5.1."
    }
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
