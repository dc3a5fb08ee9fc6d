@{
    RootModule           = 'StreamFiles.psm1'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Desktop', 'Core')
    GUID                 = '5b7f2d1e-8c4a-4f3e-9a61-2d0c7e5f4b19'
    Author               = 'StreamFiles contributors'
    CompanyName          = 'StreamFiles'
    Copyright            = '(c) StreamFiles contributors. All rights reserved.'
    Description          = 'Moves and hashes large files with constant memory, parallel parts, integrity checks and resume: local and UNC paths, S3-compatible stores and HTTP(S).'
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('StreamFiles.Format.ps1xml')
    TypesToProcess       = @('StreamFiles.Types.ps1xml')
    CmdletsToExport      = @(
        'Get-FileHashChunked'
        'ConvertTo-StreamBase64'
        'ConvertFrom-StreamBase64'
        'Send-StreamFile'
        'Receive-StreamFile'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('hash', 'checksum', 'S3', 'transfer', 'upload', 'download', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
        }
    }
}
