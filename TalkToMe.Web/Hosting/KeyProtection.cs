using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace TalkToMe.Web.Hosting;

/// <summary>
/// The certificate that encrypts the data-protection key ring at rest (TalkToMe:DataProtection:CertificatePath and
/// CertificatePassword). Without one the keys are stored as plain XML next to the database and ASP.NET Core warns so at
/// start-up; anyone who can read that folder could forge sign-in cookies (README, "Data-protection keys").
/// </summary>
public static class KeyProtection
{
    public static X509Certificate2? LoadCertificate(TalkToMeOptions.DataProtectionSettings settings)
    {
        if (string.IsNullOrWhiteSpace(settings.CertificatePath))
        {
            return null;
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(settings.CertificatePath, settings.CertificatePassword);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new StartupException(
                $"TalkToMe:DataProtection:CertificatePath (TalkToMe__DataProtection__CertificatePath) \"{settings.CertificatePath}\" could not be "
                + $"read as a PKCS#12 (.pfx) file with the configured CertificatePassword: {ex.Message}");
        }

        if (!certificate.HasPrivateKey)
        {
            throw new StartupException(
                $"The data-protection certificate \"{settings.CertificatePath}\" has no private key: the keys it encrypts could never be read back.");
        }

        return certificate;
    }
}
