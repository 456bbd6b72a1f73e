"""Countries: ISO 3166-1 alpha-2 codes, English short names and approximate centroids.

The centroids (whole degrees, latitude then longitude) place each country on the directory's map;
they are approximate on purpose: the map is a grid cartogram, not a survey.
"""

from __future__ import annotations

from typing import NamedTuple


class Country(NamedTuple):
    code: str
    name: str
    lat: float
    lon: float


_DATA = """
AF|Afghanistan|33|66
AL|Albania|41|20
DZ|Algeria|28|3
AD|Andorra|42.5|1.5
AO|Angola|-12|18
AG|Antigua and Barbuda|17|-62
AR|Argentina|-34|-64
AM|Armenia|40|45
AU|Australia|-25|134
AT|Austria|47.5|14
AZ|Azerbaijan|40.5|47.5
BS|Bahamas|24|-77
BH|Bahrain|26|50.5
BD|Bangladesh|24|90
BB|Barbados|13|-59.5
BY|Belarus|53.5|28
BE|Belgium|50.5|4.5
BZ|Belize|17|-88.5
BJ|Benin|9.5|2.3
BT|Bhutan|27.5|90.5
BO|Bolivia|-17|-65
BA|Bosnia and Herzegovina|44|18
BW|Botswana|-22|24
BR|Brazil|-10|-52
BN|Brunei|4.5|114.7
BG|Bulgaria|42.7|25.5
BF|Burkina Faso|12.3|-1.7
BI|Burundi|-3.4|29.9
CV|Cabo Verde|16|-24
KH|Cambodia|12.5|105
CM|Cameroon|6|12.5
CA|Canada|60|-100
CF|Central African Republic|7|21
TD|Chad|15|19
CL|Chile|-33|-71
CN|China|35|103
CO|Colombia|4|-73
KM|Comoros|-12|44
CG|Congo|-1|15
CD|Congo (Democratic Republic)|-3|23
CR|Costa Rica|10|-84
CI|Côte d'Ivoire|7.5|-5.5
HR|Croatia|45|16
CU|Cuba|22|-79
CY|Cyprus|35|33
CZ|Czechia|49.8|15.5
DK|Denmark|56|10
DJ|Djibouti|11.8|42.6
DM|Dominica|15.4|-61.4
DO|Dominican Republic|19|-70.7
EC|Ecuador|-1.5|-78
EG|Egypt|27|30
SV|El Salvador|13.8|-88.9
GQ|Equatorial Guinea|1.6|10.5
ER|Eritrea|15.2|39.8
EE|Estonia|58.6|25
SZ|Eswatini|-26.5|31.5
ET|Ethiopia|9|39.5
FJ|Fiji|-17.7|178
FI|Finland|64|26
FR|France|46.5|2.5
GA|Gabon|-0.8|11.6
GM|Gambia|13.4|-15.4
GE|Georgia|42.3|43.4
DE|Germany|51|10.5
GH|Ghana|7.9|-1
GR|Greece|39|22
GD|Grenada|12.1|-61.7
GT|Guatemala|15.5|-90.3
GN|Guinea|10|-11
GW|Guinea-Bissau|12|-15
GY|Guyana|5|-59
HT|Haiti|19|-72.5
VA|Holy See|41.9|12.45
HN|Honduras|15|-86.5
HK|Hong Kong|22.3|114.2
HU|Hungary|47|19.5
IS|Iceland|65|-18
IN|India|22|79
ID|Indonesia|-2|118
IR|Iran|32|53
IQ|Iraq|33|44
IE|Ireland|53.2|-8
IL|Israel|31.5|35
IT|Italy|42.8|12.5
JM|Jamaica|18.1|-77.3
JP|Japan|36|138
JO|Jordan|31|36.5
KZ|Kazakhstan|48|67
KE|Kenya|0.5|38
KI|Kiribati|1.9|-157.4
KP|Korea (North)|40|127
KR|Korea (South)|36.5|128
XK|Kosovo|42.6|20.9
KW|Kuwait|29.3|47.7
KG|Kyrgyzstan|41.5|74.5
LA|Laos|18|103
LV|Latvia|57|25
LB|Lebanon|33.9|35.9
LS|Lesotho|-29.6|28.2
LR|Liberia|6.4|-9.4
LY|Libya|27|17
LI|Liechtenstein|47.2|9.5
LT|Lithuania|55.2|24
LU|Luxembourg|49.8|6.1
MO|Macao|22.2|113.5
MG|Madagascar|-19|46.7
MW|Malawi|-13.3|34
MY|Malaysia|4|102
MV|Maldives|3.2|73.2
ML|Mali|17.5|-4
MT|Malta|35.9|14.4
MH|Marshall Islands|7.1|171.2
MR|Mauritania|20|-10.5
MU|Mauritius|-20.3|57.6
MX|Mexico|23.6|-102.5
FM|Micronesia|6.9|158.2
MD|Moldova|47|28.5
MC|Monaco|43.7|7.4
MN|Mongolia|46.9|103.8
ME|Montenegro|42.7|19.4
MA|Morocco|31.8|-7
MZ|Mozambique|-18.7|35.5
MM|Myanmar|21|96
NA|Namibia|-22.6|17
NR|Nauru|-0.5|166.9
NP|Nepal|28.4|84.1
NL|Netherlands|52.1|5.3
NZ|New Zealand|-41|174
NI|Nicaragua|12.9|-85.2
NE|Niger|17.6|8
NG|Nigeria|9.1|8.7
MK|North Macedonia|41.6|21.7
NO|Norway|61|8.5
OM|Oman|21.5|55.9
PK|Pakistan|30.4|69.3
PW|Palau|7.5|134.6
PS|Palestine|31.9|35.2
PA|Panama|8.5|-80.8
PG|Papua New Guinea|-6.3|145
PY|Paraguay|-23.4|-58.4
PE|Peru|-9.2|-75
PH|Philippines|12.9|121.8
PL|Poland|52|19.1
PT|Portugal|39.4|-8.2
PR|Puerto Rico|18.2|-66.5
QA|Qatar|25.4|51.2
RO|Romania|45.9|25
RU|Russia|61|95
RW|Rwanda|-2|29.9
KN|Saint Kitts and Nevis|17.3|-62.8
LC|Saint Lucia|13.9|-61
VC|Saint Vincent and the Grenadines|13.2|-61.2
WS|Samoa|-13.8|-172.1
SM|San Marino|43.9|12.5
ST|Sao Tome and Principe|0.2|6.6
SA|Saudi Arabia|24|45
SN|Senegal|14.5|-14.5
RS|Serbia|44|21
SC|Seychelles|-4.7|55.5
SL|Sierra Leone|8.5|-11.8
SG|Singapore|1.35|103.8
SK|Slovakia|48.7|19.7
SI|Slovenia|46.1|14.9
SB|Solomon Islands|-9.6|160.2
SO|Somalia|5.2|46.2
ZA|South Africa|-30.6|22.9
SS|South Sudan|7.9|30
ES|Spain|40.5|-3.7
LK|Sri Lanka|7.9|80.8
SD|Sudan|15.5|30.2
SR|Suriname|4|-56
SE|Sweden|62|15
CH|Switzerland|46.8|8.2
SY|Syria|35|38.5
TW|Taiwan|23.7|121
TJ|Tajikistan|38.9|71.3
TZ|Tanzania|-6.4|34.9
TH|Thailand|15.9|101
TL|Timor-Leste|-8.9|125.7
TG|Togo|8.6|0.8
TO|Tonga|-21.2|-175.2
TT|Trinidad and Tobago|10.7|-61.2
TN|Tunisia|34|9.5
TR|Türkiye|39|35
TM|Turkmenistan|39|59.5
TV|Tuvalu|-7.1|177.6
UG|Uganda|1.4|32.3
UA|Ukraine|49|31.5
AE|United Arab Emirates|23.4|53.8
GB|United Kingdom|54|-2.5
US|United States|39|-98
UY|Uruguay|-32.5|-55.8
UZ|Uzbekistan|41.4|64.6
VU|Vanuatu|-15.4|166.9
VE|Venezuela|7|-66
VN|Viet Nam|16|107.8
YE|Yemen|15.6|48.5
ZM|Zambia|-13.1|27.8
ZW|Zimbabwe|-19|29.2
"""

COUNTRIES: dict[str, Country] = {}
for _line in _DATA.strip().splitlines():
    _code, _name, _lat, _lon = _line.split("|")
    COUNTRIES[_code] = Country(_code, _name, float(_lat), float(_lon))


def country_name(code: str | None) -> str:
    """The English short name for an ISO code; unknown codes are shown as given."""
    if not code:
        return ""
    country = COUNTRIES.get(code.upper())
    return country.name if country else code.upper()


def country_choices() -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name, for select boxes."""
    return sorted(((c.code, c.name) for c in COUNTRIES.values()), key=lambda pair: pair[1])
