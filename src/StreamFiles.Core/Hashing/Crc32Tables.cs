namespace StreamFiles.Core.Hashing
{
    /// <summary>Slicing-by-8 lookup tables for a reflected CRC-32 polynomial.</summary>
    internal static class Crc32Tables
    {
        public const uint IeeePolynomial = 0xEDB88320u;       // CRC-32 (zip, gzip, PNG, S3 "CRC32")
        public const uint CastagnoliPolynomial = 0x82F63B78u; // CRC-32C (iSCSI, ext4, S3 "CRC32C")

        public static readonly uint[] Ieee = Build(IeeePolynomial);
        public static readonly uint[] Castagnoli = Build(CastagnoliPolynomial);

        // Table k (k = 0..7) occupies [k*256, k*256+256): the CRC of a byte followed by k zero bytes.
        private static uint[] Build(uint polynomial)
        {
            var table = new uint[8 * 256];
            for (uint i = 0; i < 256; i++)
            {
                uint crc = i;
                for (int bit = 0; bit < 8; bit++)
                {
                    crc = (crc & 1) != 0 ? (crc >> 1) ^ polynomial : crc >> 1;
                }

                table[i] = crc;
            }

            for (int i = 0; i < 256; i++)
            {
                for (int k = 1; k < 8; k++)
                {
                    uint previous = table[((k - 1) * 256) + i];
                    table[(k * 256) + i] = (previous >> 8) ^ table[previous & 0xFF];
                }
            }

            return table;
        }

        /// <summary>Updates a running (pre-inverted) CRC with slicing-by-8.</summary>
        public static uint Update(uint[] table, uint crc, System.ReadOnlySpan<byte> data)
        {
            int i = 0;
            while (data.Length - i >= 8)
            {
                uint low = crc ^ (uint)(data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
                uint high = (uint)(data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | (data[i + 7] << 24));
                crc = table[(7 * 256) + (low & 0xFF)]
                    ^ table[(6 * 256) + ((low >> 8) & 0xFF)]
                    ^ table[(5 * 256) + ((low >> 16) & 0xFF)]
                    ^ table[(4 * 256) + (low >> 24)]
                    ^ table[(3 * 256) + (high & 0xFF)]
                    ^ table[(2 * 256) + ((high >> 8) & 0xFF)]
                    ^ table[256 + ((high >> 16) & 0xFF)]
                    ^ table[high >> 24];
                i += 8;
            }

            for (; i < data.Length; i++)
            {
                crc = (crc >> 8) ^ table[(crc ^ data[i]) & 0xFF];
            }

            return crc;
        }
    }
}
