using System.Buffers.Binary;
using System.Text;

namespace TalkToMe.Core.Media;

/// <summary>
/// Rewraps the Opus audio of a WebM file (what a browser's MediaRecorder records) as an Ogg Opus stream (RFC 7845), packet
/// for packet: no decoding, no re-encoding. WhatsApp takes voice notes only as <c>audio/ogg; codecs=opus</c> and Telegram's
/// sendVoice wants OGG/Opus, while Chromium and Firefox record WebM/Opus.
/// Streams: the WebM is read once, front to back, and each Ogg page is written as soon as it is full, so only one page
/// (at most 255 segments) is held. It reads what MediaRecorder writes (unknown-size Segment and Clusters, SimpleBlocks) and
/// what muxers write (sized elements, BlockGroups); laced blocks, which no recorder uses for Opus, are refused.
/// </summary>
public static class WebmOpusToOgg
{
    /// <summary>
    /// The Ogg stream's serial number. An Ogg file made here holds one logical stream, so any number is unique in it; a fixed
    /// one makes the same recording always give the same bytes (and the same SHA-256 in the media store).
    /// </summary>
    public const uint SerialNumber = 0x54544D31;

    private const uint EbmlId = 0x1A45DFA3, DocTypeId = 0x4282, SegmentId = 0x18538067, TracksId = 0x1654AE6B,
        TrackEntryId = 0xAE, TrackNumberId = 0xD7, CodecIdId = 0x86, CodecPrivateId = 0x63A2, ClusterId = 0x1F43B675,
        TimecodeId = 0xE7, SimpleBlockId = 0xA3, BlockGroupId = 0xA0, BlockId = 0xA1;

    // What may follow a Cluster of unknown size at the Segment's level: meeting one ends that Cluster (Matroska's rule for
    // unknown sizes: an element that cannot be the Cluster's child closes it).
    private static readonly HashSet<uint> SegmentChildren =
        [ClusterId, TracksId, 0x114D9B74 /* SeekHead */, 0x1549A966 /* Info */, 0x1C53BB6B /* Cues */, 0x1254C367 /* Tags */,
         0x1941A469 /* Attachments */, 0x1043A770 /* Chapters */, SegmentId, EbmlId];

    /// <summary>
    /// Writes the Ogg Opus form of <paramref name="webm"/> to <paramref name="ogg"/>. Throws <see cref="InvalidDataException"/>
    /// when the input is not WebM/Matroska, has no Opus track, is cut short inside an element, or holds no audio.
    /// </summary>
    public static async Task ConvertAsync(Stream webm, Stream ogg, CancellationToken cancellationToken = default)
    {
        var reader = new EbmlReader(webm);
        var writer = new OggWriter(ogg);

        var header = await reader.ReadHeaderAsync(cancellationToken);
        if (header?.Id != EbmlId)
        {
            throw new InvalidDataException("Not a WebM file: it does not start with an EBML header.");
        }

        var docType = "matroska";
        await foreach (var child in reader.ChildrenAsync(header.Value, cancellationToken))
        {
            if (child.Id == DocTypeId)
            {
                docType = Encoding.ASCII.GetString(await reader.ReadPayloadAsync(child, cancellationToken)).TrimEnd('\0');
            }
            else
            {
                await reader.SkipAsync(child, cancellationToken);
            }
        }

        if (docType is not ("webm" or "matroska"))
        {
            throw new InvalidDataException($"Not a WebM file: its document type is \"{docType}\".");
        }

        var segment = await reader.ReadHeaderAsync(cancellationToken);
        if (segment?.Id != SegmentId)
        {
            throw new InvalidDataException("Not a WebM file: no Segment after the EBML header.");
        }

        ulong? opusTrack = null;
        await foreach (var child in reader.ChildrenAsync(segment.Value, cancellationToken))
        {
            if (child.Id == TracksId)
            {
                var head = await ReadOpusTrackAsync(reader, child, cancellationToken);
                if (opusTrack is null && head is not null)
                {
                    opusTrack = head.Value.Number;
                    await writer.WriteHeadersAsync(head.Value.OpusHead, cancellationToken);
                }
            }
            else if (child.Id == ClusterId)
            {
                if (opusTrack is not { } track)
                {
                    throw new InvalidDataException("Not a WebM/Opus file: audio comes before any Opus track is described.");
                }

                await ReadClusterAsync(reader, child, track, writer, cancellationToken);
            }
            else
            {
                await reader.SkipAsync(child, cancellationToken);
            }
        }

        if (opusTrack is null)
        {
            throw new InvalidDataException("Not a WebM/Opus file: it has no Opus audio track.");
        }

        await writer.FinishAsync(cancellationToken);
    }

    private static async Task<(ulong Number, byte[] OpusHead)?> ReadOpusTrackAsync(EbmlReader reader, Element tracks, CancellationToken ct)
    {
        (ulong, byte[])? found = null;
        await foreach (var entry in reader.ChildrenAsync(tracks, ct))
        {
            if (entry.Id != TrackEntryId)
            {
                await reader.SkipAsync(entry, ct);
                continue;
            }

            ulong number = 0;
            string? codec = null;
            byte[]? opusHead = null;
            await foreach (var field in reader.ChildrenAsync(entry, ct))
            {
                switch (field.Id)
                {
                    case TrackNumberId:
                        number = ReadUnsigned(await reader.ReadPayloadAsync(field, ct));
                        break;
                    case CodecIdId:
                        codec = Encoding.ASCII.GetString(await reader.ReadPayloadAsync(field, ct)).TrimEnd('\0');
                        break;
                    case CodecPrivateId:
                        opusHead = await reader.ReadPayloadAsync(field, ct);
                        break;
                    default:
                        await reader.SkipAsync(field, ct);
                        break;
                }
            }

            if (found is null && codec == "A_OPUS")
            {
                // Matroska's Opus mapping requires the OpusHead as CodecPrivate; without it the Ogg stream has no first page.
                if (opusHead is null || opusHead.Length < 19 || !opusHead.AsSpan().StartsWith("OpusHead"u8))
                {
                    throw new InvalidDataException("Not a usable WebM/Opus file: the Opus track has no OpusHead.");
                }

                found = (number, opusHead);
            }
        }

        return found;
    }

    private static async Task ReadClusterAsync(EbmlReader reader, Element cluster, ulong track, OggWriter writer, CancellationToken ct)
    {
        // The Cluster's Timecode is read past: an Ogg page's position counts samples, which each packet's TOC byte gives
        // exactly, while MediaRecorder's millisecond timestamps jitter.
        await foreach (var child in reader.ChildrenAsync(cluster, ct, endsUnknownSize: SegmentChildren))
        {
            if (child.Id == SimpleBlockId)
            {
                await WriteBlockAsync(await reader.ReadPayloadAsync(child, ct), track, writer, ct);
            }
            else if (child.Id == BlockGroupId)
            {
                await foreach (var part in reader.ChildrenAsync(child, ct))
                {
                    if (part.Id == BlockId)
                    {
                        await WriteBlockAsync(await reader.ReadPayloadAsync(part, ct), track, writer, ct);
                    }
                    else
                    {
                        await reader.SkipAsync(part, ct);
                    }
                }
            }
            else
            {
                await reader.SkipAsync(child, ct);
            }
        }
    }

    /// <summary>A (Simple)Block: the track as an EBML number, a 16-bit relative timecode, flags, then the frame.</summary>
    private static async Task WriteBlockAsync(byte[] block, ulong track, OggWriter writer, CancellationToken ct)
    {
        var length = VintLength(block.Length > 0 ? block[0] : (byte)0);
        if (length == 0 || block.Length < length + 3)
        {
            throw new InvalidDataException("Not a usable WebM file: a block is too short.");
        }

        var number = block[0] & (0xFFu >> length);
        for (var i = 1; i < length; i++)
        {
            number = (number << 8) | block[i];
        }

        if (number != track)
        {
            return;
        }

        var flags = block[length + 2];
        if ((flags & 0x06) != 0)
        {
            throw new InvalidDataException("Not a usable WebM file: laced Opus blocks are not supported.");
        }

        await writer.WritePacketAsync(block.AsMemory(length + 3), ct);
    }

    private static ulong ReadUnsigned(byte[] bytes)
    {
        ulong value = 0;
        foreach (var b in bytes)
        {
            value = (value << 8) | b;
        }

        return value;
    }

    /// <summary>How many bytes an EBML variable-size number takes, from the position of its first set bit (0: invalid).</summary>
    private static int VintLength(byte first) => first == 0 ? 0 : 8 - (int)Math.Log2(first);

    /// <summary>
    /// The samples (at 48 kHz) in one Opus packet, from its TOC byte (RFC 6716 section 3.1): the configuration gives each
    /// frame's length, the code how many frames follow (code 3 counts them in the next byte).
    /// </summary>
    public static int SamplesOf(ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty)
        {
            throw new InvalidDataException("Not a usable Opus stream: an empty packet.");
        }

        var config = packet[0] >> 3;
        var frameSamples = config switch
        {
            < 12 => (config & 3) switch { 0 => 480, 1 => 960, 2 => 1920, _ => 2880 },
            < 16 => (config & 1) == 0 ? 480 : 960,
            _ => (config & 3) switch { 0 => 120, 1 => 240, 2 => 480, _ => 960 },
        };
        var frames = (packet[0] & 3) switch
        {
            0 => 1,
            1 or 2 => 2,
            _ => packet.Length >= 2 ? packet[1] & 0x3F : throw new InvalidDataException("Not a usable Opus stream: a packet ends after its TOC."),
        };
        var samples = frameSamples * frames;
        // An Opus packet lasts at most 120 ms.
        return frames > 0 && samples <= 5760 ? samples : throw new InvalidDataException("Not a usable Opus stream: a packet has an impossible length.");
    }

    private readonly record struct Element(uint Id, long? Size, long DataStart);

    /// <summary>A forward-only EBML reader over a stream, with its own buffer so the format's many small reads stay cheap.</summary>
    private sealed class EbmlReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start, _end;
        private long _position;
        private Element? _pending;

        /// <summary>The next element's ID and size, or null at the end of the input.</summary>
        public async ValueTask<Element?> ReadHeaderAsync(CancellationToken ct)
        {
            if (_pending is { } pending)
            {
                _pending = null;
                return pending;
            }

            var first = await ReadByteAsync(ct);
            if (first < 0)
            {
                return null;
            }

            var idLength = VintLength((byte)first);
            if (idLength is 0 or > 4)
            {
                throw new InvalidDataException($"Not a usable WebM file: an invalid element ID at byte {_position - 1}.");
            }

            uint id = (uint)first;
            for (var i = 1; i < idLength; i++)
            {
                id = (id << 8) | (uint)await RequireByteAsync(ct);
            }

            var sizeFirst = await RequireByteAsync(ct);
            var sizeLength = VintLength((byte)sizeFirst);
            if (sizeLength == 0)
            {
                throw new InvalidDataException($"Not a usable WebM file: an invalid element size at byte {_position - 1}.");
            }

            var size = (ulong)(sizeFirst & (0xFF >> sizeLength));
            var allOnes = size == (ulong)(0xFF >> sizeLength);
            for (var i = 1; i < sizeLength; i++)
            {
                var b = await RequireByteAsync(ct);
                allOnes &= b == 0xFF;
                size = (size << 8) | (uint)b;
            }

            if (!allOnes && size > long.MaxValue / 2)
            {
                throw new InvalidDataException("Not a usable WebM file: an element claims an impossible size.");
            }

            // All ones is "unknown size": MediaRecorder writes the Segment and each Cluster before it knows how long they are.
            return new Element(id, allOnes ? null : (long)size, _position);
        }

        /// <summary>
        /// The children of a master element. A sized parent ends at its size; an unknown-size parent at the input's end or at
        /// an element in <paramref name="endsUnknownSize"/>, which is left for the parent's parent to read.
        /// </summary>
        public async IAsyncEnumerable<Element> ChildrenAsync(Element parent, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct,
            IReadOnlySet<uint>? endsUnknownSize = null)
        {
            var end = parent.DataStart + parent.Size;
            while (end is null || _position < end)
            {
                if (await ReadHeaderAsync(ct) is not { } child)
                {
                    if (end is not null)
                    {
                        throw Truncated();
                    }

                    yield break;
                }

                if (end is null && endsUnknownSize?.Contains(child.Id) == true)
                {
                    _pending = child;
                    yield break;
                }

                if (end is not null && child.Size is { } size && child.DataStart + size > end)
                {
                    throw new InvalidDataException("Not a usable WebM file: an element runs past its parent.");
                }

                yield return child;
            }
        }

        public async ValueTask<byte[]> ReadPayloadAsync(Element element, CancellationToken ct)
        {
            // Every element read whole is small (a header field, one Opus packet); an unknown size is only for masters.
            if (element.Size is not { } size || size > 16 * 1024 * 1024)
            {
                throw new InvalidDataException("Not a usable WebM file: an element too large to read.");
            }

            var payload = new byte[size];
            var filled = 0;
            while (filled < payload.Length)
            {
                if (_start == _end && !await FillAsync(ct))
                {
                    throw Truncated();
                }

                var n = Math.Min(payload.Length - filled, _end - _start);
                _buffer.AsSpan(_start, n).CopyTo(payload.AsSpan(filled));
                _start += n;
                filled += n;
                _position += n;
            }

            return payload;
        }

        public async ValueTask SkipAsync(Element element, CancellationToken ct)
        {
            if (element.Size is not { } size)
            {
                // An unknown-size element that is not one we descend into: nothing after it can be found reliably.
                throw new InvalidDataException("Not a usable WebM file: an unexpected element of unknown size.");
            }

            var left = size;
            while (left > 0)
            {
                if (_start == _end && !await FillAsync(ct))
                {
                    throw Truncated();
                }

                var n = (int)Math.Min(left, _end - _start);
                _start += n;
                _position += n;
                left -= n;
            }
        }

        private async ValueTask<int> ReadByteAsync(CancellationToken ct)
        {
            if (_start == _end && !await FillAsync(ct))
            {
                return -1;
            }

            _position++;
            return _buffer[_start++];
        }

        private async ValueTask<int> RequireByteAsync(CancellationToken ct)
        {
            var b = await ReadByteAsync(ct);
            return b >= 0 ? b : throw Truncated();
        }

        private async ValueTask<bool> FillAsync(CancellationToken ct)
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, ct);
            return _end > 0;
        }

        private static InvalidDataException Truncated() => new("Not a usable WebM file: it ends in the middle of an element.");
    }

    /// <summary>Ogg pages of one Opus stream: the two header pages, then audio pages of whole packets, the last one marked EOS.</summary>
    private sealed class OggWriter(Stream output)
    {
        private readonly List<ReadOnlyMemory<byte>> _packets = [];
        private int _segments;
        private uint _sequence;
        private long _granule;
        private bool _headersWritten;

        public async ValueTask WriteHeadersAsync(byte[] opusHead, CancellationToken ct)
        {
            // RFC 7845: the OpusHead alone on the first page (beginning of stream), the OpusTags alone on the next.
            await WritePageAsync([opusHead], 0x02, 0, ct);
            var vendor = "TalkToMe"u8;
            var tags = new byte[8 + 4 + vendor.Length + 4];
            "OpusTags"u8.CopyTo(tags);
            BinaryPrimitives.WriteUInt32LittleEndian(tags.AsSpan(8), (uint)vendor.Length);
            vendor.CopyTo(tags.AsSpan(12));
            await WritePageAsync([tags], 0, 0, ct);
            _headersWritten = true;
        }

        public async ValueTask WritePacketAsync(ReadOnlyMemory<byte> packet, CancellationToken ct)
        {
            var samples = SamplesOf(packet.Span);
            var segments = packet.Length / 255 + 1;
            if (segments > 255)
            {
                throw new InvalidDataException("Not a usable Opus stream: a packet too large for one Ogg page.");
            }

            if (_segments + segments > 255)
            {
                await FlushAsync(0, ct);
            }

            _packets.Add(packet);
            _segments += segments;
            _granule += samples;
        }

        public async ValueTask FinishAsync(CancellationToken ct)
        {
            if (!_headersWritten || (_packets.Count == 0 && _sequence <= 2))
            {
                throw new InvalidDataException("Not a usable WebM/Opus file: it holds no audio.");
            }

            if (_packets.Count > 0)
            {
                await FlushAsync(0x04, ct);
            }
            else
            {
                // The last page was flushed full: an empty page closes the stream at the same position.
                await WritePageAsync([], 0x04, _granule, ct);
            }

            await output.FlushAsync(ct);
        }

        private async ValueTask FlushAsync(byte flags, CancellationToken ct)
        {
            // The granule position counts every sample decoded up to the page's last packet, pre-skip included (RFC 7845 4).
            await WritePageAsync(_packets, flags, _granule, ct);
            _packets.Clear();
            _segments = 0;
        }

        private async ValueTask WritePageAsync(IReadOnlyList<ReadOnlyMemory<byte>> packets, byte flags, long granule, CancellationToken ct)
        {
            var lacing = new List<byte>();
            var bodyLength = 0;
            foreach (var packet in packets)
            {
                // Each packet in 255-byte lacing values; one of exactly 255·n bytes ends with a 0.
                lacing.AddRange(Enumerable.Repeat((byte)255, packet.Length / 255));
                lacing.Add((byte)(packet.Length % 255));
                bodyLength += packet.Length;
            }

            var page = new byte[27 + lacing.Count + bodyLength];
            "OggS"u8.CopyTo(page);
            page[4] = 0;
            page[5] = flags;
            BinaryPrimitives.WriteInt64LittleEndian(page.AsSpan(6), granule);
            BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(14), SerialNumber);
            BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(18), _sequence++);
            page[26] = (byte)lacing.Count;
            lacing.CopyTo(page, 27);
            var at = 27 + lacing.Count;
            foreach (var packet in packets)
            {
                packet.Span.CopyTo(page.AsSpan(at));
                at += packet.Length;
            }

            BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(22), OggCrc.Compute(page));
            await output.WriteAsync(page, ct);
        }
    }
}

/// <summary>The CRC-32 of Ogg pages: polynomial 0x04C11DB7, not reflected, starting at 0, computed with the CRC field zeroed.</summary>
public static class OggCrc
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> page)
    {
        uint crc = 0;
        for (var i = 0; i < page.Length; i++)
        {
            // Bytes 22-25 hold the CRC itself and count as zero.
            var b = i is >= 22 and < 26 ? (byte)0 : page[i];
            crc = (crc << 8) ^ Table[(crc >> 24) ^ b];
        }

        return crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var r = i << 24;
            for (var bit = 0; bit < 8; bit++)
            {
                r = (r & 0x80000000) != 0 ? (r << 1) ^ 0x04C11DB7 : r << 1;
            }

            table[i] = r;
        }

        return table;
    }
}
