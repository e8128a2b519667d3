//! Lists a person picks from instead of typing codes: countries (an
//! address's country is sent as its ISO 3166-1 two-letter code, so
//! "Germany" cannot become "GE", which is Georgia) and the languages Stripe
//! writes emails and invoices in (a customer's `preferred_locales`).

use super::ChoiceOption;
use std::sync::OnceLock;

/// ISO 3166-1 alpha-2 codes with their English short names.
const COUNTRIES: &str = "\
AF Afghanistan|AX Åland Islands|AL Albania|DZ Algeria|AS American Samoa|AD Andorra|AO Angola|AI Anguilla|AQ Antarctica|AG Antigua and Barbuda|\
AR Argentina|AM Armenia|AW Aruba|AU Australia|AT Austria|AZ Azerbaijan|BS Bahamas|BH Bahrain|BD Bangladesh|BB Barbados|\
BY Belarus|BE Belgium|BZ Belize|BJ Benin|BM Bermuda|BT Bhutan|BO Bolivia|BQ Bonaire, Sint Eustatius and Saba|BA Bosnia and Herzegovina|BW Botswana|\
BV Bouvet Island|BR Brazil|IO British Indian Ocean Territory|BN Brunei|BG Bulgaria|BF Burkina Faso|BI Burundi|CV Cape Verde|KH Cambodia|CM Cameroon|\
CA Canada|KY Cayman Islands|CF Central African Republic|TD Chad|CL Chile|CN China|CX Christmas Island|CC Cocos (Keeling) Islands|CO Colombia|KM Comoros|\
CG Congo|CD Congo (Democratic Republic)|CK Cook Islands|CR Costa Rica|CI Côte d'Ivoire|HR Croatia|CU Cuba|CW Curaçao|CY Cyprus|CZ Czechia|\
DK Denmark|DJ Djibouti|DM Dominica|DO Dominican Republic|EC Ecuador|EG Egypt|SV El Salvador|GQ Equatorial Guinea|ER Eritrea|EE Estonia|\
SZ Eswatini|ET Ethiopia|FK Falkland Islands|FO Faroe Islands|FJ Fiji|FI Finland|FR France|GF French Guiana|PF French Polynesia|TF French Southern Territories|\
GA Gabon|GM Gambia|GE Georgia|DE Germany|GH Ghana|GI Gibraltar|GR Greece|GL Greenland|GD Grenada|GP Guadeloupe|\
GU Guam|GT Guatemala|GG Guernsey|GN Guinea|GW Guinea-Bissau|GY Guyana|HT Haiti|HM Heard Island and McDonald Islands|VA Holy See|HN Honduras|\
HK Hong Kong|HU Hungary|IS Iceland|IN India|ID Indonesia|IR Iran|IQ Iraq|IE Ireland|IM Isle of Man|IL Israel|\
IT Italy|JM Jamaica|JP Japan|JE Jersey|JO Jordan|KZ Kazakhstan|KE Kenya|KI Kiribati|KP North Korea|KR South Korea|\
XK Kosovo|KW Kuwait|KG Kyrgyzstan|LA Laos|LV Latvia|LB Lebanon|LS Lesotho|LR Liberia|LY Libya|LI Liechtenstein|\
LT Lithuania|LU Luxembourg|MO Macao|MG Madagascar|MW Malawi|MY Malaysia|MV Maldives|ML Mali|MT Malta|MH Marshall Islands|\
MQ Martinique|MR Mauritania|MU Mauritius|YT Mayotte|MX Mexico|FM Micronesia|MD Moldova|MC Monaco|MN Mongolia|ME Montenegro|\
MS Montserrat|MA Morocco|MZ Mozambique|MM Myanmar|NA Namibia|NR Nauru|NP Nepal|NL Netherlands|NC New Caledonia|NZ New Zealand|\
NI Nicaragua|NE Niger|NG Nigeria|NU Niue|NF Norfolk Island|MK North Macedonia|MP Northern Mariana Islands|NO Norway|OM Oman|PK Pakistan|\
PW Palau|PS Palestine|PA Panama|PG Papua New Guinea|PY Paraguay|PE Peru|PH Philippines|PN Pitcairn|PL Poland|PT Portugal|\
PR Puerto Rico|QA Qatar|RE Réunion|RO Romania|RU Russia|RW Rwanda|BL Saint Barthélemy|SH Saint Helena|KN Saint Kitts and Nevis|LC Saint Lucia|\
MF Saint Martin|PM Saint Pierre and Miquelon|VC Saint Vincent and the Grenadines|WS Samoa|SM San Marino|ST São Tomé and Príncipe|SA Saudi Arabia|SN Senegal|RS Serbia|SC Seychelles|\
SL Sierra Leone|SG Singapore|SX Sint Maarten|SK Slovakia|SI Slovenia|SB Solomon Islands|SO Somalia|ZA South Africa|GS South Georgia and the South Sandwich Islands|SS South Sudan|\
ES Spain|LK Sri Lanka|SD Sudan|SR Suriname|SJ Svalbard and Jan Mayen|SE Sweden|CH Switzerland|SY Syria|TW Taiwan|TJ Tajikistan|\
TZ Tanzania|TH Thailand|TL Timor-Leste|TG Togo|TK Tokelau|TO Tonga|TT Trinidad and Tobago|TN Tunisia|TR Türkiye|TM Turkmenistan|\
TC Turks and Caicos Islands|TV Tuvalu|UG Uganda|UA Ukraine|AE United Arab Emirates|GB United Kingdom|US United States|UM United States Minor Outlying Islands|UY Uruguay|UZ Uzbekistan|\
VU Vanuatu|VE Venezuela|VN Vietnam|VG Virgin Islands (British)|VI Virgin Islands (U.S.)|WF Wallis and Futuna|EH Western Sahara|YE Yemen|ZM Zambia|ZW Zimbabwe";

/// The languages Stripe sends customer emails and invoices in (its list of
/// supported locales for `preferred_locales`), with their names.
const LOCALES: &str = "\
ar Arabic|bg Bulgarian|cs Czech|da Danish|de German|el Greek|en English|en-GB English (United Kingdom)|es Spanish|es-419 Spanish (Latin America)|\
et Estonian|fi Finnish|fil Filipino|fr French|fr-CA French (Canada)|he Hebrew|hr Croatian|hu Hungarian|id Indonesian|it Italian|\
ja Japanese|ko Korean|lt Lithuanian|lv Latvian|ms Malay|mt Maltese|nb Norwegian Bokmål|nl Dutch|pl Polish|pt Portuguese|\
pt-BR Portuguese (Brazil)|ro Romanian|ru Russian|sk Slovak|sl Slovenian|sv Swedish|th Thai|tr Turkish|vi Vietnamese|zh Chinese (Simplified)|\
zh-HK Chinese (Hong Kong)|zh-TW Chinese (Traditional)";

fn parse(list: &'static str) -> Vec<ChoiceOption> {
    list.split('|')
        .filter_map(|entry| entry.split_once(' '))
        .map(|(code, name)| ChoiceOption {
            value: code.into(),
            label: name.into(),
            sends: Vec::new(),
        })
        .collect()
}

pub fn countries() -> &'static [ChoiceOption] {
    static ALL: OnceLock<Vec<ChoiceOption>> = OnceLock::new();
    ALL.get_or_init(|| parse(COUNTRIES))
}

pub fn locales() -> &'static [ChoiceOption] {
    static ALL: OnceLock<Vec<ChoiceOption>> = OnceLock::new();
    ALL.get_or_init(|| parse(LOCALES))
}

/// Choices whose name starts with, or has a word starting with, what was
/// typed (case and accents as typed), or whose code is exactly it.
pub fn matching<'a>(list: &'a [ChoiceOption], typed: &str) -> Vec<&'a ChoiceOption> {
    let typed = typed.trim().to_lowercase();
    if typed.is_empty() {
        return list.iter().collect();
    }
    list.iter()
        .filter(|o| {
            let name = o.label.to_lowercase();
            o.value.eq_ignore_ascii_case(&typed)
                || name.starts_with(&typed)
                || name
                    .split([' ', '(', '-'])
                    .any(|word| word.starts_with(&typed))
        })
        .collect()
}

/// The code of an entry of the list, as typed or as its name ("DE",
/// "Germany"); `None` when it is neither.
pub fn code_of<'a>(list: &'a [ChoiceOption], typed: &str) -> Option<&'a str> {
    let typed = typed.trim();
    list.iter()
        .find(|o| o.value.eq_ignore_ascii_case(typed) || o.label.eq_ignore_ascii_case(typed))
        .map(|o| o.value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn germany_is_found_by_its_first_letters_and_is_de() {
        let found = matching(countries(), "Germ");
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].value.as_str(), found[0].label.as_str()),
            ("DE", "Germany")
        );
        assert_eq!(code_of(countries(), "Germany"), Some("DE"));
        assert_eq!(code_of(countries(), "ge"), Some("GE"));
        assert_eq!(code_of(countries(), "Germ"), None);
        assert!(countries().len() > 240);
        let codes: std::collections::BTreeSet<&str> =
            countries().iter().map(|c| c.value.as_str()).collect();
        assert_eq!(codes.len(), countries().len(), "no code twice");
        assert!(countries().iter().all(|c| c.value.len() == 2));
    }

    #[test]
    fn languages_are_stripes_locales() {
        assert_eq!(code_of(locales(), "German"), Some("de"));
        assert_eq!(code_of(locales(), "fr-CA"), Some("fr-CA"));
        assert_eq!(code_of(locales(), "Klingon"), None);
        assert_eq!(matching(locales(), "port").len(), 2);
    }
}
