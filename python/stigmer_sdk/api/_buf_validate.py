"""The descriptor of buf/validate/validate.proto. Do not edit.

Serialized without source info from proto-vendor/buf/validate/validate.proto (Apache-2.0, Buf
Technologies) by scripts/generate_python.py.
"""

SERIALIZED = (
    b'\n\x1bbuf/validate/validate.proto\x12\x0cbuf.validate\x1a google/protobuf/des'
    b'criptor.proto\x1a\x1egoogle/protobuf/duration.proto\x1a google/protobuf/f'
    b'ield_mask.proto\x1a\x1fgoogle/protobuf/timestamp.proto"P\n\x04Rule\x12\x0e\n\x02id\x18\x01'
    b' \x01(\tR\x02id\x12\x18\n\x07message\x18\x02 \x01(\tR\x07message\x12\x1e\n\nexpression\x18\x03 \x01(\tR\nexpressi'
    b'on"\xa1\x01\n\x0cMessageRules\x12%\n\x0ecel_expression\x18\x05 \x03(\tR\rcelExpression\x12$\n\x03ce'
    b'l\x18\x03 \x03(\x0b2\x12.buf.validate.RuleR\x03cel\x124\n\x05oneof\x18\x04 \x03(\x0b2\x1e.buf.validate.M'
    b'essageOneofRuleR\x05oneofJ\x04\x08\x01\x10\x02R\x08disabled"F\n\x10MessageOneofRule\x12\x16\n\x06fi'
    b'elds\x18\x01 \x03(\tR\x06fields\x12\x1a\n\x08required\x18\x02 \x01(\x08R\x08required"(\n\nOneofRules\x12\x1a\n\x08'
    b'required\x18\x01 \x01(\x08R\x08required"\xe3\n\n\nFieldRules\x12%\n\x0ecel_expression\x18\x1d \x03(\tR'
    b'\rcelExpression\x12$\n\x03cel\x18\x17 \x03(\x0b2\x12.buf.validate.RuleR\x03cel\x12\x1a\n\x08required'
    b'\x18\x19 \x01(\x08R\x08required\x12,\n\x06ignore\x18\x1b \x01(\x0e2\x14.buf.validate.IgnoreR\x06ignore\x120'
    b'\n\x05float\x18\x01 \x01(\x0b2\x18.buf.validate.FloatRulesH\x00R\x05float\x123\n\x06double\x18\x02 \x01(\x0b'
    b'2\x19.buf.validate.DoubleRulesH\x00R\x06double\x120\n\x05int32\x18\x03 \x01(\x0b2\x18.buf.valid'
    b'ate.Int32RulesH\x00R\x05int32\x120\n\x05int64\x18\x04 \x01(\x0b2\x18.buf.validate.Int64Rules'
    b'H\x00R\x05int64\x123\n\x06uint32\x18\x05 \x01(\x0b2\x19.buf.validate.UInt32RulesH\x00R\x06uint32\x123'
    b'\n\x06uint64\x18\x06 \x01(\x0b2\x19.buf.validate.UInt64RulesH\x00R\x06uint64\x123\n\x06sint32\x18\x07 '
    b'\x01(\x0b2\x19.buf.validate.SInt32RulesH\x00R\x06sint32\x123\n\x06sint64\x18\x08 \x01(\x0b2\x19.buf.v'
    b'alidate.SInt64RulesH\x00R\x06sint64\x126\n\x07fixed32\x18\t \x01(\x0b2\x1a.buf.validate.Fi'
    b'xed32RulesH\x00R\x07fixed32\x126\n\x07fixed64\x18\n \x01(\x0b2\x1a.buf.validate.Fixed64Rul'
    b'esH\x00R\x07fixed64\x129\n\x08sfixed32\x18\x0b \x01(\x0b2\x1b.buf.validate.SFixed32RulesH\x00R\x08'
    b'sfixed32\x129\n\x08sfixed64\x18\x0c \x01(\x0b2\x1b.buf.validate.SFixed64RulesH\x00R\x08sfixe'
    b'd64\x12-\n\x04bool\x18\r \x01(\x0b2\x17.buf.validate.BoolRulesH\x00R\x04bool\x123\n\x06string\x18\x0e \x01'
    b'(\x0b2\x19.buf.validate.StringRulesH\x00R\x06string\x120\n\x05bytes\x18\x0f \x01(\x0b2\x18.buf.val'
    b'idate.BytesRulesH\x00R\x05bytes\x12-\n\x04enum\x18\x10 \x01(\x0b2\x17.buf.validate.EnumRules'
    b'H\x00R\x04enum\x129\n\x08repeated\x18\x12 \x01(\x0b2\x1b.buf.validate.RepeatedRulesH\x00R\x08repea'
    b'ted\x12*\n\x03map\x18\x13 \x01(\x0b2\x16.buf.validate.MapRulesH\x00R\x03map\x12*\n\x03any\x18\x14 \x01(\x0b2\x16.b'
    b'uf.validate.AnyRulesH\x00R\x03any\x129\n\x08duration\x18\x15 \x01(\x0b2\x1b.buf.validate.Dur'
    b'ationRulesH\x00R\x08duration\x12=\n\nfield_mask\x18\x1c \x01(\x0b2\x1c.buf.validate.FieldM'
    b'askRulesH\x00R\tfieldMask\x12<\n\ttimestamp\x18\x16 \x01(\x0b2\x1c.buf.validate.Timestam'
    b'pRulesH\x00R\ttimestampB\x06\n\x04typeJ\x04\x08\x18\x10\x19J\x04\x08\x1a\x10\x1bR\x07skippedR\x0cignore_empty"Z'
    b'\n\x0fPredefinedRules\x12$\n\x03cel\x18\x01 \x03(\x0b2\x12.buf.validate.RuleR\x03celJ\x04\x08\x18\x10\x19J\x04\x08'
    b'\x1a\x10\x1bR\x07skippedR\x0cignore_empty"\xae\x17\n\nFloatRules\x12\x84\x01\n\x05const\x18\x01 \x01(\x02Bn\xc2Hk\ni'
    b"\n\x0bfloat.const\x1aZthis != getField(rules, 'const') ? 'must equal %s"
    b"'.format([getField(rules, 'const')]) : ''R\x05const\x12\x9d\x01\n\x02lt\x18\x02 \x01(\x02B\x8a\x01"
    b'\xc2H\x86\x01\n\x83\x01\n\x08float.lt\x1aw!has(rules.gte) && !has(rules.gt) && (this.is'
    b"Nan() || this >= rules.lt)? 'must be less than %s'.format([rules"
    b".lt]) : ''H\x00R\x02lt\x12\xae\x01\n\x03lte\x18\x03 \x01(\x02B\x99\x01\xc2H\x95\x01\n\x92\x01\n\tfloat.lte\x1a\x84\x01!has(rules"
    b".gte) && !has(rules.gt) && (this.isNan() || this > rules.lte)? '"
    b"must be less than or equal to %s'.format([rules.lte]) : ''H\x00R\x03lt"
    b'e\x12\xd4\x07\n\x02gt\x18\x04 \x01(\x02B\xc1\x07\xc2H\xbd\x07\n\x86\x01\n\x08float.gt\x1az!has(rules.lt) && !has(rules'
    b".lte) && (this.isNan() || this <= rules.gt)? 'must be greater th"
    b"an %s'.format([rules.gt]) : ''\n\xbd\x01\n\x0bfloat.gt_lt\x1a\xad\x01has(rules.lt) &"
    b'& rules.lt >= rules.gt && (this.isNan() || this >= rules.lt || t'
    b"his <= rules.gt)? 'must be greater than %s and less than %s'.for"
    b"mat([rules.gt, rules.lt]) : ''\n\xc7\x01\n\x15float.gt_lt_exclusive\x1a\xad\x01has(r"
    b'ules.lt) && rules.lt < rules.gt && (this.isNan() || (rules.lt <='
    b" this && this <= rules.gt))? 'must be greater than %s or less th"
    b"an %s'.format([rules.gt, rules.lt]) : ''\n\xcd\x01\n\x0cfloat.gt_lte\x1a\xbc\x01has("
    b'rules.lte) && rules.lte >= rules.gt && (this.isNan() || this > r'
    b"ules.lte || this <= rules.gt)? 'must be greater than %s and less"
    b" than or equal to %s'.format([rules.gt, rules.lte]) : ''\n\xd7\x01\n\x16flo"
    b'at.gt_lte_exclusive\x1a\xbc\x01has(rules.lte) && rules.lte < rules.gt && '
    b"(this.isNan() || (rules.lte < this && this <= rules.gt))? 'must "
    b"be greater than %s or less than or equal to %s'.format([rules.gt"
    b", rules.lte]) : ''H\x01R\x02gt\x12\xa1\x08\n\x03gte\x18\x05 \x01(\x02B\x8c\x08\xc2H\x88\x08\n\x95\x01\n\tfloat.gte\x1a\x87\x01!h"
    b'as(rules.lt) && !has(rules.lte) && (this.isNan() || this < rules'
    b".gte)? 'must be greater than or equal to %s'.format([rules.gte])"
    b" : ''\n\xcc\x01\n\x0cfloat.gte_lt\x1a\xbb\x01has(rules.lt) && rules.lt >= rules.gte "
    b"&& (this.isNan() || this >= rules.lt || this < rules.gte)? 'must"
    b" be greater than or equal to %s and less than %s'.format([rules."
    b"gte, rules.lt]) : ''\n\xd6\x01\n\x16float.gte_lt_exclusive\x1a\xbb\x01has(rules.lt) "
    b'&& rules.lt < rules.gte && (this.isNan() || (rules.lt <= this &&'
    b" this < rules.gte))? 'must be greater than or equal to %s or les"
    b"s than %s'.format([rules.gte, rules.lt]) : ''\n\xdc\x01\n\rfloat.gte_lte\x1a"
    b'\xca\x01has(rules.lte) && rules.lte >= rules.gte && (this.isNan() || t'
    b"his > rules.lte || this < rules.gte)? 'must be greater than or e"
    b"qual to %s and less than or equal to %s'.format([rules.gte, rule"
    b"s.lte]) : ''\n\xe6\x01\n\x17float.gte_lte_exclusive\x1a\xca\x01has(rules.lte) && rul"
    b'es.lte < rules.gte && (this.isNan() || (rules.lte < this && this'
    b" < rules.gte))? 'must be greater than or equal to %s or less tha"
    b"n or equal to %s'.format([rules.gte, rules.lte]) : ''H\x01R\x03gte\x12}\n\x02"
    b"in\x18\x06 \x03(\x02Bm\xc2Hj\nh\n\x08float.in\x1a\\!(this in getField(rules, 'in')) ? 'm"
    b"ust be in list %s'.format([getField(rules, 'in')]) : ''R\x02in\x12w\n\x06n"
    b"ot_in\x18\x07 \x03(\x02B`\xc2H]\n[\n\x0cfloat.not_in\x1aKthis in rules.not_in ? 'must n"
    b"ot be in list %s'.format([rules.not_in]) : ''R\x05notIn\x12w\n\x06finite\x18\x08"
    b' \x01(\x08B_\xc2H\\\nZ\n\x0cfloat.finite\x1aJrules.finite ? (this.isNan() || this.'
    b"isInf() ? 'must be finite' : '') : ''R\x06finite\x124\n\x07example\x18\t \x03(\x02B\x1a"
    b'\xc2H\x17\n\x15\n\rfloat.example\x1a\x04trueR\x07example*\t\x08\xe8\x07\x10\x80\x80\x80\x80\x02B\x0b\n\tless_thanB\x0e\n\x0cg'
    b'reater_than"\xc0\x17\n\x0bDoubleRules\x12\x85\x01\n\x05const\x18\x01 \x01(\x01Bo\xc2Hl\nj\n\x0cdouble.const'
    b"\x1aZthis != getField(rules, 'const') ? 'must equal %s'.format([get"
    b"Field(rules, 'const')]) : ''R\x05const\x12\x9e\x01\n\x02lt\x18\x02 \x01(\x01B\x8b\x01\xc2H\x87\x01\n\x84\x01\n\tdoub"
    b'le.lt\x1aw!has(rules.gte) && !has(rules.gt) && (this.isNan() || thi'
    b"s >= rules.lt)? 'must be less than %s'.format([rules.lt]) : ''H\x00"
    b'R\x02lt\x12\xaf\x01\n\x03lte\x18\x03 \x01(\x01B\x9a\x01\xc2H\x96\x01\n\x93\x01\n\ndouble.lte\x1a\x84\x01!has(rules.gte) && !h'
    b"as(rules.gt) && (this.isNan() || this > rules.lte)? 'must be les"
    b"s than or equal to %s'.format([rules.lte]) : ''H\x00R\x03lte\x12\xd9\x07\n\x02gt\x18\x04 "
    b'\x01(\x01B\xc6\x07\xc2H\xc2\x07\n\x87\x01\n\tdouble.gt\x1az!has(rules.lt) && !has(rules.lte) && ('
    b"this.isNan() || this <= rules.gt)? 'must be greater than %s'.for"
    b"mat([rules.gt]) : ''\n\xbe\x01\n\x0cdouble.gt_lt\x1a\xad\x01has(rules.lt) && rules.l"
    b't >= rules.gt && (this.isNan() || this >= rules.lt || this <= ru'
    b"les.gt)? 'must be greater than %s and less than %s'.format([rule"
    b"s.gt, rules.lt]) : ''\n\xc8\x01\n\x16double.gt_lt_exclusive\x1a\xad\x01has(rules.lt)"
    b' && rules.lt < rules.gt && (this.isNan() || (rules.lt <= this &&'
    b" this <= rules.gt))? 'must be greater than %s or less than %s'.f"
    b"ormat([rules.gt, rules.lt]) : ''\n\xce\x01\n\rdouble.gt_lte\x1a\xbc\x01has(rules.l"
    b'te) && rules.lte >= rules.gt && (this.isNan() || this > rules.lt'
    b"e || this <= rules.gt)? 'must be greater than %s and less than o"
    b"r equal to %s'.format([rules.gt, rules.lte]) : ''\n\xd8\x01\n\x17double.gt_"
    b'lte_exclusive\x1a\xbc\x01has(rules.lte) && rules.lte < rules.gt && (this.'
    b"isNan() || (rules.lte < this && this <= rules.gt))? 'must be gre"
    b"ater than %s or less than or equal to %s'.format([rules.gt, rule"
    b"s.lte]) : ''H\x01R\x02gt\x12\xa6\x08\n\x03gte\x18\x05 \x01(\x01B\x91\x08\xc2H\x8d\x08\n\x96\x01\n\ndouble.gte\x1a\x87\x01!has(ru"
    b'les.lt) && !has(rules.lte) && (this.isNan() || this < rules.gte)'
    b"? 'must be greater than or equal to %s'.format([rules.gte]) : ''"
    b'\n\xcd\x01\n\rdouble.gte_lt\x1a\xbb\x01has(rules.lt) && rules.lt >= rules.gte && ('
    b"this.isNan() || this >= rules.lt || this < rules.gte)? 'must be "
    b"greater than or equal to %s and less than %s'.format([rules.gte,"
    b" rules.lt]) : ''\n\xd7\x01\n\x17double.gte_lt_exclusive\x1a\xbb\x01has(rules.lt) && "
    b'rules.lt < rules.gte && (this.isNan() || (rules.lt <= this && th'
    b"is < rules.gte))? 'must be greater than or equal to %s or less t"
    b"han %s'.format([rules.gte, rules.lt]) : ''\n\xdd\x01\n\x0edouble.gte_lte\x1a\xca\x01"
    b'has(rules.lte) && rules.lte >= rules.gte && (this.isNan() || thi'
    b"s > rules.lte || this < rules.gte)? 'must be greater than or equ"
    b"al to %s and less than or equal to %s'.format([rules.gte, rules."
    b"lte]) : ''\n\xe7\x01\n\x18double.gte_lte_exclusive\x1a\xca\x01has(rules.lte) && rule"
    b's.lte < rules.gte && (this.isNan() || (rules.lte < this && this '
    b"< rules.gte))? 'must be greater than or equal to %s or less than"
    b" or equal to %s'.format([rules.gte, rules.lte]) : ''H\x01R\x03gte\x12~\n\x02i"
    b"n\x18\x06 \x03(\x01Bn\xc2Hk\ni\n\tdouble.in\x1a\\!(this in getField(rules, 'in')) ? 'm"
    b"ust be in list %s'.format([getField(rules, 'in')]) : ''R\x02in\x12x\n\x06n"
    b"ot_in\x18\x07 \x03(\x01Ba\xc2H^\n\\\n\rdouble.not_in\x1aKthis in rules.not_in ? 'must "
    b"not be in list %s'.format([rules.not_in]) : ''R\x05notIn\x12x\n\x06finite\x18"
    b'\x08 \x01(\x08B`\xc2H]\n[\n\rdouble.finite\x1aJrules.finite ? (this.isNan() || thi'
    b"s.isInf() ? 'must be finite' : '') : ''R\x06finite\x125\n\x07example\x18\t \x03(\x01"
    b'B\x1b\xc2H\x18\n\x16\n\x0edouble.example\x1a\x04trueR\x07example*\t\x08\xe8\x07\x10\x80\x80\x80\x80\x02B\x0b\n\tless_thanB\x0e'
    b'\n\x0cgreater_than"\xde\x14\n\nInt32Rules\x12\x84\x01\n\x05const\x18\x01 \x01(\x05Bn\xc2Hk\ni\n\x0bint32.cons'
    b"t\x1aZthis != getField(rules, 'const') ? 'must equal %s'.format([ge"
    b"tField(rules, 'const')]) : ''R\x05const\x12\x88\x01\n\x02lt\x18\x02 \x01(\x05Bv\xc2Hs\nq\n\x08int32."
    b"lt\x1ae!has(rules.gte) && !has(rules.gt) && this >= rules.lt? 'must"
    b" be less than %s'.format([rules.lt]) : ''H\x00R\x02lt\x12\x9a\x01\n\x03lte\x18\x03 \x01(\x05B\x85\x01"
    b'\xc2H\x81\x01\n\x7f\n\tint32.lte\x1ar!has(rules.gte) && !has(rules.gt) && this > r'
    b"ules.lte? 'must be less than or equal to %s'.format([rules.lte])"
    b" : ''H\x00R\x03lte\x12\xfd\x06\n\x02gt\x18\x04 \x01(\x05B\xea\x06\xc2H\xe6\x06\nt\n\x08int32.gt\x1ah!has(rules.lt) && "
    b"!has(rules.lte) && this <= rules.gt? 'must be greater than %s'.f"
    b"ormat([rules.gt]) : ''\n\xad\x01\n\x0bint32.gt_lt\x1a\x9d\x01has(rules.lt) && rules."
    b"lt >= rules.gt && (this >= rules.lt || this <= rules.gt)? 'must "
    b"be greater than %s and less than %s'.format([rules.gt, rules.lt]"
    b") : ''\n\xb5\x01\n\x15int32.gt_lt_exclusive\x1a\x9b\x01has(rules.lt) && rules.lt < r"
    b"ules.gt && (rules.lt <= this && this <= rules.gt)? 'must be grea"
    b"ter than %s or less than %s'.format([rules.gt, rules.lt]) : ''\n\xbd"
    b'\x01\n\x0cint32.gt_lte\x1a\xac\x01has(rules.lte) && rules.lte >= rules.gt && (th'
    b"is > rules.lte || this <= rules.gt)? 'must be greater than %s an"
    b"d less than or equal to %s'.format([rules.gt, rules.lte]) : ''\n\xc5"
    b'\x01\n\x16int32.gt_lte_exclusive\x1a\xaa\x01has(rules.lte) && rules.lte < rules.'
    b"gt && (rules.lte < this && this <= rules.gt)? 'must be greater t"
    b"han %s or less than or equal to %s'.format([rules.gt, rules.lte]"
    b") : ''H\x01R\x02gt\x12\xca\x07\n\x03gte\x18\x05 \x01(\x05B\xb5\x07\xc2H\xb1\x07\n\x82\x01\n\tint32.gte\x1au!has(rules.lt) "
    b"&& !has(rules.lte) && this < rules.gte? 'must be greater than or"
    b" equal to %s'.format([rules.gte]) : ''\n\xbc\x01\n\x0cint32.gte_lt\x1a\xab\x01has(ru"
    b'les.lt) && rules.lt >= rules.gte && (this >= rules.lt || this < '
    b"rules.gte)? 'must be greater than or equal to %s and less than %"
    b"s'.format([rules.gte, rules.lt]) : ''\n\xc4\x01\n\x16int32.gte_lt_exclusive"
    b'\x1a\xa9\x01has(rules.lt) && rules.lt < rules.gte && (rules.lt <= this &&'
    b" this < rules.gte)? 'must be greater than or equal to %s or less"
    b" than %s'.format([rules.gte, rules.lt]) : ''\n\xcc\x01\n\rint32.gte_lte\x1a\xba"
    b'\x01has(rules.lte) && rules.lte >= rules.gte && (this > rules.lte |'
    b"| this < rules.gte)? 'must be greater than or equal to %s and le"
    b"ss than or equal to %s'.format([rules.gte, rules.lte]) : ''\n\xd4\x01\n\x17"
    b'int32.gte_lte_exclusive\x1a\xb8\x01has(rules.lte) && rules.lte < rules.gt'
    b"e && (rules.lte < this && this < rules.gte)? 'must be greater th"
    b"an or equal to %s or less than or equal to %s'.format([rules.gte"
    b", rules.lte]) : ''H\x01R\x03gte\x12}\n\x02in\x18\x06 \x03(\x05Bm\xc2Hj\nh\n\x08int32.in\x1a\\!(this i"
    b"n getField(rules, 'in')) ? 'must be in list %s'.format([getField"
    b"(rules, 'in')]) : ''R\x02in\x12w\n\x06not_in\x18\x07 \x03(\x05B`\xc2H]\n[\n\x0cint32.not_in\x1aKt"
    b"his in rules.not_in ? 'must not be in list %s'.format([rules.not"
    b"_in]) : ''R\x05notIn\x124\n\x07example\x18\x08 \x03(\x05B\x1a\xc2H\x17\n\x15\n\rint32.example\x1a\x04trueR\x07"
    b'example*\t\x08\xe8\x07\x10\x80\x80\x80\x80\x02B\x0b\n\tless_thanB\x0e\n\x0cgreater_than"\xde\x14\n\nInt64Rules\x12\x84'
    b"\x01\n\x05const\x18\x01 \x01(\x03Bn\xc2Hk\ni\n\x0bint64.const\x1aZthis != getField(rules, 'con"
    b"st') ? 'must equal %s'.format([getField(rules, 'const')]) : ''R\x05"
    b'const\x12\x88\x01\n\x02lt\x18\x02 \x01(\x03Bv\xc2Hs\nq\n\x08int64.lt\x1ae!has(rules.gte) && !has(rul'
    b"es.gt) && this >= rules.lt? 'must be less than %s'.format([rules"
    b".lt]) : ''H\x00R\x02lt\x12\x9a\x01\n\x03lte\x18\x03 \x01(\x03B\x85\x01\xc2H\x81\x01\n\x7f\n\tint64.lte\x1ar!has(rules.g"
    b"te) && !has(rules.gt) && this > rules.lte? 'must be less than or"
    b" equal to %s'.format([rules.lte]) : ''H\x00R\x03lte\x12\xfd\x06\n\x02gt\x18\x04 \x01(\x03B\xea\x06\xc2H\xe6"
    b'\x06\nt\n\x08int64.gt\x1ah!has(rules.lt) && !has(rules.lte) && this <= rule'
    b"s.gt? 'must be greater than %s'.format([rules.gt]) : ''\n\xad\x01\n\x0bint6"
    b'4.gt_lt\x1a\x9d\x01has(rules.lt) && rules.lt >= rules.gt && (this >= rule'
    b"s.lt || this <= rules.gt)? 'must be greater than %s and less tha"
    b"n %s'.format([rules.gt, rules.lt]) : ''\n\xb5\x01\n\x15int64.gt_lt_exclusiv"
    b'e\x1a\x9b\x01has(rules.lt) && rules.lt < rules.gt && (rules.lt <= this &&'
    b" this <= rules.gt)? 'must be greater than %s or less than %s'.fo"
    b"rmat([rules.gt, rules.lt]) : ''\n\xbd\x01\n\x0cint64.gt_lte\x1a\xac\x01has(rules.lte"
    b') && rules.lte >= rules.gt && (this > rules.lte || this <= rules'
    b".gt)? 'must be greater than %s and less than or equal to %s'.for"
    b"mat([rules.gt, rules.lte]) : ''\n\xc5\x01\n\x16int64.gt_lte_exclusive\x1a\xaa\x01has"
    b'(rules.lte) && rules.lte < rules.gt && (rules.lte < this && this'
    b" <= rules.gt)? 'must be greater than %s or less than or equal to"
    b" %s'.format([rules.gt, rules.lte]) : ''H\x01R\x02gt\x12\xca\x07\n\x03gte\x18\x05 \x01(\x03B\xb5\x07\xc2H"
    b'\xb1\x07\n\x82\x01\n\tint64.gte\x1au!has(rules.lt) && !has(rules.lte) && this < ru'
    b"les.gte? 'must be greater than or equal to %s'.format([rules.gte"
    b"]) : ''\n\xbc\x01\n\x0cint64.gte_lt\x1a\xab\x01has(rules.lt) && rules.lt >= rules.gt"
    b"e && (this >= rules.lt || this < rules.gte)? 'must be greater th"
    b"an or equal to %s and less than %s'.format([rules.gte, rules.lt]"
    b") : ''\n\xc4\x01\n\x16int64.gte_lt_exclusive\x1a\xa9\x01has(rules.lt) && rules.lt < "
    b"rules.gte && (rules.lt <= this && this < rules.gte)? 'must be gr"
    b"eater than or equal to %s or less than %s'.format([rules.gte, ru"
    b"les.lt]) : ''\n\xcc\x01\n\rint64.gte_lte\x1a\xba\x01has(rules.lte) && rules.lte >="
    b" rules.gte && (this > rules.lte || this < rules.gte)? 'must be g"
    b"reater than or equal to %s and less than or equal to %s'.format("
    b"[rules.gte, rules.lte]) : ''\n\xd4\x01\n\x17int64.gte_lte_exclusive\x1a\xb8\x01has(r"
    b'ules.lte) && rules.lte < rules.gte && (rules.lte < this && this '
    b"< rules.gte)? 'must be greater than or equal to %s or less than "
    b"or equal to %s'.format([rules.gte, rules.lte]) : ''H\x01R\x03gte\x12}\n\x02in"
    b"\x18\x06 \x03(\x03Bm\xc2Hj\nh\n\x08int64.in\x1a\\!(this in getField(rules, 'in')) ? 'mus"
    b"t be in list %s'.format([getField(rules, 'in')]) : ''R\x02in\x12w\n\x06not"
    b"_in\x18\x07 \x03(\x03B`\xc2H]\n[\n\x0cint64.not_in\x1aKthis in rules.not_in ? 'must not"
    b" be in list %s'.format([rules.not_in]) : ''R\x05notIn\x124\n\x07example\x18\t "
    b'\x03(\x03B\x1a\xc2H\x17\n\x15\n\rint64.example\x1a\x04trueR\x07example*\t\x08\xe8\x07\x10\x80\x80\x80\x80\x02B\x0b\n\tless_than'
    b'B\x0e\n\x0cgreater_than"\xf0\x14\n\x0bUInt32Rules\x12\x85\x01\n\x05const\x18\x01 \x01(\rBo\xc2Hl\nj\n\x0cuint32.'
    b"const\x1aZthis != getField(rules, 'const') ? 'must equal %s'.format"
    b"([getField(rules, 'const')]) : ''R\x05const\x12\x89\x01\n\x02lt\x18\x02 \x01(\rBw\xc2Ht\nr\n\tui"
    b'nt32.lt\x1ae!has(rules.gte) && !has(rules.gt) && this >= rules.lt? '
    b"'must be less than %s'.format([rules.lt]) : ''H\x00R\x02lt\x12\x9c\x01\n\x03lte\x18\x03 \x01"
    b'(\rB\x87\x01\xc2H\x83\x01\n\x80\x01\n\nuint32.lte\x1ar!has(rules.gte) && !has(rules.gt) && t'
    b"his > rules.lte? 'must be less than or equal to %s'.format([rule"
    b"s.lte]) : ''H\x00R\x03lte\x12\x82\x07\n\x02gt\x18\x04 \x01(\rB\xef\x06\xc2H\xeb\x06\nu\n\tuint32.gt\x1ah!has(rules"
    b".lt) && !has(rules.lte) && this <= rules.gt? 'must be greater th"
    b"an %s'.format([rules.gt]) : ''\n\xae\x01\n\x0cuint32.gt_lt\x1a\x9d\x01has(rules.lt) "
    b'&& rules.lt >= rules.gt && (this >= rules.lt || this <= rules.gt'
    b")? 'must be greater than %s and less than %s'.format([rules.gt, "
    b"rules.lt]) : ''\n\xb6\x01\n\x16uint32.gt_lt_exclusive\x1a\x9b\x01has(rules.lt) && ru"
    b"les.lt < rules.gt && (rules.lt <= this && this <= rules.gt)? 'mu"
    b"st be greater than %s or less than %s'.format([rules.gt, rules.l"
    b"t]) : ''\n\xbe\x01\n\ruint32.gt_lte\x1a\xac\x01has(rules.lte) && rules.lte >= rule"
    b"s.gt && (this > rules.lte || this <= rules.gt)? 'must be greater"
    b" than %s and less than or equal to %s'.format([rules.gt, rules.l"
    b"te]) : ''\n\xc6\x01\n\x17uint32.gt_lte_exclusive\x1a\xaa\x01has(rules.lte) && rules."
    b"lte < rules.gt && (rules.lte < this && this <= rules.gt)? 'must "
    b"be greater than %s or less than or equal to %s'.format([rules.gt"
    b", rules.lte]) : ''H\x01R\x02gt\x12\xcf\x07\n\x03gte\x18\x05 \x01(\rB\xba\x07\xc2H\xb6\x07\n\x83\x01\n\nuint32.gte\x1au!h"
    b"as(rules.lt) && !has(rules.lte) && this < rules.gte? 'must be gr"
    b"eater than or equal to %s'.format([rules.gte]) : ''\n\xbd\x01\n\ruint32.g"
    b'te_lt\x1a\xab\x01has(rules.lt) && rules.lt >= rules.gte && (this >= rules'
    b".lt || this < rules.gte)? 'must be greater than or equal to %s a"
    b"nd less than %s'.format([rules.gte, rules.lt]) : ''\n\xc5\x01\n\x17uint32.g"
    b'te_lt_exclusive\x1a\xa9\x01has(rules.lt) && rules.lt < rules.gte && (rule'
    b"s.lt <= this && this < rules.gte)? 'must be greater than or equa"
    b"l to %s or less than %s'.format([rules.gte, rules.lt]) : ''\n\xcd\x01\n\x0e"
    b'uint32.gte_lte\x1a\xba\x01has(rules.lte) && rules.lte >= rules.gte && (th'
    b"is > rules.lte || this < rules.gte)? 'must be greater than or eq"
    b"ual to %s and less than or equal to %s'.format([rules.gte, rules"
    b".lte]) : ''\n\xd5\x01\n\x18uint32.gte_lte_exclusive\x1a\xb8\x01has(rules.lte) && rul"
    b"es.lte < rules.gte && (rules.lte < this && this < rules.gte)? 'm"
    b"ust be greater than or equal to %s or less than or equal to %s'."
    b"format([rules.gte, rules.lte]) : ''H\x01R\x03gte\x12~\n\x02in\x18\x06 \x03(\rBn\xc2Hk\ni\n\tu"
    b"int32.in\x1a\\!(this in getField(rules, 'in')) ? 'must be in list %s"
    b"'.format([getField(rules, 'in')]) : ''R\x02in\x12x\n\x06not_in\x18\x07 \x03(\rBa\xc2H^\n"
    b"\\\n\ruint32.not_in\x1aKthis in rules.not_in ? 'must not be in list %s"
    b"'.format([rules.not_in]) : ''R\x05notIn\x125\n\x07example\x18\x08 \x03(\rB\x1b\xc2H\x18\n\x16\n\x0eui"
    b'nt32.example\x1a\x04trueR\x07example*\t\x08\xe8\x07\x10\x80\x80\x80\x80\x02B\x0b\n\tless_thanB\x0e\n\x0cgreater_t'
    b'han"\xf0\x14\n\x0bUInt64Rules\x12\x85\x01\n\x05const\x18\x01 \x01(\x04Bo\xc2Hl\nj\n\x0cuint64.const\x1aZthis !'
    b"= getField(rules, 'const') ? 'must equal %s'.format([getField(ru"
    b"les, 'const')]) : ''R\x05const\x12\x89\x01\n\x02lt\x18\x02 \x01(\x04Bw\xc2Ht\nr\n\tuint64.lt\x1ae!has"
    b"(rules.gte) && !has(rules.gt) && this >= rules.lt? 'must be less"
    b" than %s'.format([rules.lt]) : ''H\x00R\x02lt\x12\x9c\x01\n\x03lte\x18\x03 \x01(\x04B\x87\x01\xc2H\x83\x01\n\x80\x01\n"
    b'\nuint64.lte\x1ar!has(rules.gte) && !has(rules.gt) && this > rules.l'
    b"te? 'must be less than or equal to %s'.format([rules.lte]) : ''H"
    b'\x00R\x03lte\x12\x82\x07\n\x02gt\x18\x04 \x01(\x04B\xef\x06\xc2H\xeb\x06\nu\n\tuint64.gt\x1ah!has(rules.lt) && !has('
    b"rules.lte) && this <= rules.gt? 'must be greater than %s'.format"
    b"([rules.gt]) : ''\n\xae\x01\n\x0cuint64.gt_lt\x1a\x9d\x01has(rules.lt) && rules.lt >"
    b"= rules.gt && (this >= rules.lt || this <= rules.gt)? 'must be g"
    b"reater than %s and less than %s'.format([rules.gt, rules.lt]) : "
    b"''\n\xb6\x01\n\x16uint64.gt_lt_exclusive\x1a\x9b\x01has(rules.lt) && rules.lt < rule"
    b"s.gt && (rules.lt <= this && this <= rules.gt)? 'must be greater"
    b" than %s or less than %s'.format([rules.gt, rules.lt]) : ''\n\xbe\x01\n\r"
    b'uint64.gt_lte\x1a\xac\x01has(rules.lte) && rules.lte >= rules.gt && (this'
    b" > rules.lte || this <= rules.gt)? 'must be greater than %s and "
    b"less than or equal to %s'.format([rules.gt, rules.lte]) : ''\n\xc6\x01\n"
    b'\x17uint64.gt_lte_exclusive\x1a\xaa\x01has(rules.lte) && rules.lte < rules.g'
    b"t && (rules.lte < this && this <= rules.gt)? 'must be greater th"
    b"an %s or less than or equal to %s'.format([rules.gt, rules.lte])"
    b" : ''H\x01R\x02gt\x12\xcf\x07\n\x03gte\x18\x05 \x01(\x04B\xba\x07\xc2H\xb6\x07\n\x83\x01\n\nuint64.gte\x1au!has(rules.lt) "
    b"&& !has(rules.lte) && this < rules.gte? 'must be greater than or"
    b" equal to %s'.format([rules.gte]) : ''\n\xbd\x01\n\ruint64.gte_lt\x1a\xab\x01has(r"
    b'ules.lt) && rules.lt >= rules.gte && (this >= rules.lt || this <'
    b" rules.gte)? 'must be greater than or equal to %s and less than "
    b"%s'.format([rules.gte, rules.lt]) : ''\n\xc5\x01\n\x17uint64.gte_lt_exclusi"
    b've\x1a\xa9\x01has(rules.lt) && rules.lt < rules.gte && (rules.lt <= this '
    b"&& this < rules.gte)? 'must be greater than or equal to %s or le"
    b"ss than %s'.format([rules.gte, rules.lt]) : ''\n\xcd\x01\n\x0euint64.gte_lt"
    b'e\x1a\xba\x01has(rules.lte) && rules.lte >= rules.gte && (this > rules.lt'
    b"e || this < rules.gte)? 'must be greater than or equal to %s and"
    b" less than or equal to %s'.format([rules.gte, rules.lte]) : ''\n\xd5"
    b'\x01\n\x18uint64.gte_lte_exclusive\x1a\xb8\x01has(rules.lte) && rules.lte < rule'
    b"s.gte && (rules.lte < this && this < rules.gte)? 'must be greate"
    b"r than or equal to %s or less than or equal to %s'.format([rules"
    b".gte, rules.lte]) : ''H\x01R\x03gte\x12~\n\x02in\x18\x06 \x03(\x04Bn\xc2Hk\ni\n\tuint64.in\x1a\\!(t"
    b"his in getField(rules, 'in')) ? 'must be in list %s'.format([get"
    b"Field(rules, 'in')]) : ''R\x02in\x12x\n\x06not_in\x18\x07 \x03(\x04Ba\xc2H^\n\\\n\ruint64.not"
    b"_in\x1aKthis in rules.not_in ? 'must not be in list %s'.format([rul"
    b"es.not_in]) : ''R\x05notIn\x125\n\x07example\x18\x08 \x03(\x04B\x1b\xc2H\x18\n\x16\n\x0euint64.example\x1a"
    b'\x04trueR\x07example*\t\x08\xe8\x07\x10\x80\x80\x80\x80\x02B\x0b\n\tless_thanB\x0e\n\x0cgreater_than"\xf0\x14\n\x0bSInt3'
    b'2Rules\x12\x85\x01\n\x05const\x18\x01 \x01(\x11Bo\xc2Hl\nj\n\x0csint32.const\x1aZthis != getField(ru'
    b"les, 'const') ? 'must equal %s'.format([getField(rules, 'const')"
    b"]) : ''R\x05const\x12\x89\x01\n\x02lt\x18\x02 \x01(\x11Bw\xc2Ht\nr\n\tsint32.lt\x1ae!has(rules.gte) &"
    b"& !has(rules.gt) && this >= rules.lt? 'must be less than %s'.for"
    b"mat([rules.lt]) : ''H\x00R\x02lt\x12\x9c\x01\n\x03lte\x18\x03 \x01(\x11B\x87\x01\xc2H\x83\x01\n\x80\x01\n\nsint32.lte\x1ar"
    b"!has(rules.gte) && !has(rules.gt) && this > rules.lte? 'must be "
    b"less than or equal to %s'.format([rules.lte]) : ''H\x00R\x03lte\x12\x82\x07\n\x02gt"
    b'\x18\x04 \x01(\x11B\xef\x06\xc2H\xeb\x06\nu\n\tsint32.gt\x1ah!has(rules.lt) && !has(rules.lte) &&'
    b" this <= rules.gt? 'must be greater than %s'.format([rules.gt]) "
    b": ''\n\xae\x01\n\x0csint32.gt_lt\x1a\x9d\x01has(rules.lt) && rules.lt >= rules.gt &&"
    b" (this >= rules.lt || this <= rules.gt)? 'must be greater than %"
    b"s and less than %s'.format([rules.gt, rules.lt]) : ''\n\xb6\x01\n\x16sint32"
    b'.gt_lt_exclusive\x1a\x9b\x01has(rules.lt) && rules.lt < rules.gt && (rule'
    b"s.lt <= this && this <= rules.gt)? 'must be greater than %s or l"
    b"ess than %s'.format([rules.gt, rules.lt]) : ''\n\xbe\x01\n\rsint32.gt_lte"
    b'\x1a\xac\x01has(rules.lte) && rules.lte >= rules.gt && (this > rules.lte '
    b"|| this <= rules.gt)? 'must be greater than %s and less than or "
    b"equal to %s'.format([rules.gt, rules.lte]) : ''\n\xc6\x01\n\x17sint32.gt_lt"
    b'e_exclusive\x1a\xaa\x01has(rules.lte) && rules.lte < rules.gt && (rules.l'
    b"te < this && this <= rules.gt)? 'must be greater than %s or less"
    b" than or equal to %s'.format([rules.gt, rules.lte]) : ''H\x01R\x02gt\x12\xcf"
    b'\x07\n\x03gte\x18\x05 \x01(\x11B\xba\x07\xc2H\xb6\x07\n\x83\x01\n\nsint32.gte\x1au!has(rules.lt) && !has(rules'
    b".lte) && this < rules.gte? 'must be greater than or equal to %s'"
    b".format([rules.gte]) : ''\n\xbd\x01\n\rsint32.gte_lt\x1a\xab\x01has(rules.lt) && r"
    b'ules.lt >= rules.gte && (this >= rules.lt || this < rules.gte)? '
    b"'must be greater than or equal to %s and less than %s'.format([r"
    b"ules.gte, rules.lt]) : ''\n\xc5\x01\n\x17sint32.gte_lt_exclusive\x1a\xa9\x01has(rule"
    b's.lt) && rules.lt < rules.gte && (rules.lt <= this && this < rul'
    b"es.gte)? 'must be greater than or equal to %s or less than %s'.f"
    b"ormat([rules.gte, rules.lt]) : ''\n\xcd\x01\n\x0esint32.gte_lte\x1a\xba\x01has(rules"
    b'.lte) && rules.lte >= rules.gte && (this > rules.lte || this < r'
    b"ules.gte)? 'must be greater than or equal to %s and less than or"
    b" equal to %s'.format([rules.gte, rules.lte]) : ''\n\xd5\x01\n\x18sint32.gte"
    b'_lte_exclusive\x1a\xb8\x01has(rules.lte) && rules.lte < rules.gte && (rul'
    b"es.lte < this && this < rules.gte)? 'must be greater than or equ"
    b"al to %s or less than or equal to %s'.format([rules.gte, rules.l"
    b"te]) : ''H\x01R\x03gte\x12~\n\x02in\x18\x06 \x03(\x11Bn\xc2Hk\ni\n\tsint32.in\x1a\\!(this in getFie"
    b"ld(rules, 'in')) ? 'must be in list %s'.format([getField(rules, "
    b"'in')]) : ''R\x02in\x12x\n\x06not_in\x18\x07 \x03(\x11Ba\xc2H^\n\\\n\rsint32.not_in\x1aKthis in "
    b"rules.not_in ? 'must not be in list %s'.format([rules.not_in]) :"
    b" ''R\x05notIn\x125\n\x07example\x18\x08 \x03(\x11B\x1b\xc2H\x18\n\x16\n\x0esint32.example\x1a\x04trueR\x07exampl"
    b'e*\t\x08\xe8\x07\x10\x80\x80\x80\x80\x02B\x0b\n\tless_thanB\x0e\n\x0cgreater_than"\xf0\x14\n\x0bSInt64Rules\x12\x85\x01\n\x05co'
    b"nst\x18\x01 \x01(\x12Bo\xc2Hl\nj\n\x0csint64.const\x1aZthis != getField(rules, 'const')"
    b" ? 'must equal %s'.format([getField(rules, 'const')]) : ''R\x05cons"
    b't\x12\x89\x01\n\x02lt\x18\x02 \x01(\x12Bw\xc2Ht\nr\n\tsint64.lt\x1ae!has(rules.gte) && !has(rules.'
    b"gt) && this >= rules.lt? 'must be less than %s'.format([rules.lt"
    b"]) : ''H\x00R\x02lt\x12\x9c\x01\n\x03lte\x18\x03 \x01(\x12B\x87\x01\xc2H\x83\x01\n\x80\x01\n\nsint64.lte\x1ar!has(rules.gt"
    b"e) && !has(rules.gt) && this > rules.lte? 'must be less than or "
    b"equal to %s'.format([rules.lte]) : ''H\x00R\x03lte\x12\x82\x07\n\x02gt\x18\x04 \x01(\x12B\xef\x06\xc2H\xeb\x06"
    b'\nu\n\tsint64.gt\x1ah!has(rules.lt) && !has(rules.lte) && this <= rule'
    b"s.gt? 'must be greater than %s'.format([rules.gt]) : ''\n\xae\x01\n\x0csint"
    b'64.gt_lt\x1a\x9d\x01has(rules.lt) && rules.lt >= rules.gt && (this >= rul'
    b"es.lt || this <= rules.gt)? 'must be greater than %s and less th"
    b"an %s'.format([rules.gt, rules.lt]) : ''\n\xb6\x01\n\x16sint64.gt_lt_exclus"
    b'ive\x1a\x9b\x01has(rules.lt) && rules.lt < rules.gt && (rules.lt <= this '
    b"&& this <= rules.gt)? 'must be greater than %s or less than %s'."
    b"format([rules.gt, rules.lt]) : ''\n\xbe\x01\n\rsint64.gt_lte\x1a\xac\x01has(rules."
    b'lte) && rules.lte >= rules.gt && (this > rules.lte || this <= ru'
    b"les.gt)? 'must be greater than %s and less than or equal to %s'."
    b"format([rules.gt, rules.lte]) : ''\n\xc6\x01\n\x17sint64.gt_lte_exclusive\x1a\xaa"
    b'\x01has(rules.lte) && rules.lte < rules.gt && (rules.lte < this && '
    b"this <= rules.gt)? 'must be greater than %s or less than or equa"
    b"l to %s'.format([rules.gt, rules.lte]) : ''H\x01R\x02gt\x12\xcf\x07\n\x03gte\x18\x05 \x01(\x12B"
    b'\xba\x07\xc2H\xb6\x07\n\x83\x01\n\nsint64.gte\x1au!has(rules.lt) && !has(rules.lte) && this'
    b" < rules.gte? 'must be greater than or equal to %s'.format([rule"
    b"s.gte]) : ''\n\xbd\x01\n\rsint64.gte_lt\x1a\xab\x01has(rules.lt) && rules.lt >= ru"
    b"les.gte && (this >= rules.lt || this < rules.gte)? 'must be grea"
    b"ter than or equal to %s and less than %s'.format([rules.gte, rul"
    b"es.lt]) : ''\n\xc5\x01\n\x17sint64.gte_lt_exclusive\x1a\xa9\x01has(rules.lt) && rule"
    b"s.lt < rules.gte && (rules.lt <= this && this < rules.gte)? 'mus"
    b"t be greater than or equal to %s or less than %s'.format([rules."
    b"gte, rules.lt]) : ''\n\xcd\x01\n\x0esint64.gte_lte\x1a\xba\x01has(rules.lte) && rule"
    b"s.lte >= rules.gte && (this > rules.lte || this < rules.gte)? 'm"
    b"ust be greater than or equal to %s and less than or equal to %s'"
    b".format([rules.gte, rules.lte]) : ''\n\xd5\x01\n\x18sint64.gte_lte_exclusiv"
    b'e\x1a\xb8\x01has(rules.lte) && rules.lte < rules.gte && (rules.lte < this'
    b" && this < rules.gte)? 'must be greater than or equal to %s or l"
    b"ess than or equal to %s'.format([rules.gte, rules.lte]) : ''H\x01R\x03"
    b"gte\x12~\n\x02in\x18\x06 \x03(\x12Bn\xc2Hk\ni\n\tsint64.in\x1a\\!(this in getField(rules, 'in"
    b"')) ? 'must be in list %s'.format([getField(rules, 'in')]) : ''R"
    b'\x02in\x12x\n\x06not_in\x18\x07 \x03(\x12Ba\xc2H^\n\\\n\rsint64.not_in\x1aKthis in rules.not_in '
    b"? 'must not be in list %s'.format([rules.not_in]) : ''R\x05notIn\x125\n"
    b'\x07example\x18\x08 \x03(\x12B\x1b\xc2H\x18\n\x16\n\x0esint64.example\x1a\x04trueR\x07example*\t\x08\xe8\x07\x10\x80\x80\x80\x80\x02B'
    b'\x0b\n\tless_thanB\x0e\n\x0cgreater_than"\x81\x15\n\x0cFixed32Rules\x12\x86\x01\n\x05const\x18\x01 \x01(\x07Bp\xc2'
    b"Hm\nk\n\rfixed32.const\x1aZthis != getField(rules, 'const') ? 'must eq"
    b"ual %s'.format([getField(rules, 'const')]) : ''R\x05const\x12\x8a\x01\n\x02lt\x18\x02 "
    b'\x01(\x07Bx\xc2Hu\ns\n\nfixed32.lt\x1ae!has(rules.gte) && !has(rules.gt) && thi'
    b"s >= rules.lt? 'must be less than %s'.format([rules.lt]) : ''H\x00R"
    b'\x02lt\x12\x9d\x01\n\x03lte\x18\x03 \x01(\x07B\x88\x01\xc2H\x84\x01\n\x81\x01\n\x0bfixed32.lte\x1ar!has(rules.gte) && !ha'
    b"s(rules.gt) && this > rules.lte? 'must be less than or equal to "
    b"%s'.format([rules.lte]) : ''H\x00R\x03lte\x12\x87\x07\n\x02gt\x18\x04 \x01(\x07B\xf4\x06\xc2H\xf0\x06\nv\n\nfixed"
    b"32.gt\x1ah!has(rules.lt) && !has(rules.lte) && this <= rules.gt? 'm"
    b"ust be greater than %s'.format([rules.gt]) : ''\n\xaf\x01\n\rfixed32.gt_l"
    b't\x1a\x9d\x01has(rules.lt) && rules.lt >= rules.gt && (this >= rules.lt |'
    b"| this <= rules.gt)? 'must be greater than %s and less than %s'."
    b"format([rules.gt, rules.lt]) : ''\n\xb7\x01\n\x17fixed32.gt_lt_exclusive\x1a\x9b\x01"
    b'has(rules.lt) && rules.lt < rules.gt && (rules.lt <= this && thi'
    b"s <= rules.gt)? 'must be greater than %s or less than %s'.format"
    b"([rules.gt, rules.lt]) : ''\n\xbf\x01\n\x0efixed32.gt_lte\x1a\xac\x01has(rules.lte) "
    b'&& rules.lte >= rules.gt && (this > rules.lte || this <= rules.g'
    b"t)? 'must be greater than %s and less than or equal to %s'.forma"
    b"t([rules.gt, rules.lte]) : ''\n\xc7\x01\n\x18fixed32.gt_lte_exclusive\x1a\xaa\x01has"
    b'(rules.lte) && rules.lte < rules.gt && (rules.lte < this && this'
    b" <= rules.gt)? 'must be greater than %s or less than or equal to"
    b" %s'.format([rules.gt, rules.lte]) : ''H\x01R\x02gt\x12\xd4\x07\n\x03gte\x18\x05 \x01(\x07B\xbf\x07\xc2H"
    b'\xbb\x07\n\x84\x01\n\x0bfixed32.gte\x1au!has(rules.lt) && !has(rules.lte) && this < '
    b"rules.gte? 'must be greater than or equal to %s'.format([rules.g"
    b"te]) : ''\n\xbe\x01\n\x0efixed32.gte_lt\x1a\xab\x01has(rules.lt) && rules.lt >= rule"
    b"s.gte && (this >= rules.lt || this < rules.gte)? 'must be greate"
    b"r than or equal to %s and less than %s'.format([rules.gte, rules"
    b".lt]) : ''\n\xc6\x01\n\x18fixed32.gte_lt_exclusive\x1a\xa9\x01has(rules.lt) && rules"
    b".lt < rules.gte && (rules.lt <= this && this < rules.gte)? 'must"
    b" be greater than or equal to %s or less than %s'.format([rules.g"
    b"te, rules.lt]) : ''\n\xce\x01\n\x0ffixed32.gte_lte\x1a\xba\x01has(rules.lte) && rule"
    b"s.lte >= rules.gte && (this > rules.lte || this < rules.gte)? 'm"
    b"ust be greater than or equal to %s and less than or equal to %s'"
    b".format([rules.gte, rules.lte]) : ''\n\xd6\x01\n\x19fixed32.gte_lte_exclusi"
    b've\x1a\xb8\x01has(rules.lte) && rules.lte < rules.gte && (rules.lte < thi'
    b"s && this < rules.gte)? 'must be greater than or equal to %s or "
    b"less than or equal to %s'.format([rules.gte, rules.lte]) : ''H\x01R"
    b"\x03gte\x12\x7f\n\x02in\x18\x06 \x03(\x07Bo\xc2Hl\nj\n\nfixed32.in\x1a\\!(this in getField(rules, '"
    b"in')) ? 'must be in list %s'.format([getField(rules, 'in')]) : '"
    b"'R\x02in\x12y\n\x06not_in\x18\x07 \x03(\x07Bb\xc2H_\n]\n\x0efixed32.not_in\x1aKthis in rules.not_"
    b"in ? 'must not be in list %s'.format([rules.not_in]) : ''R\x05notIn"
    b'\x126\n\x07example\x18\x08 \x03(\x07B\x1c\xc2H\x19\n\x17\n\x0ffixed32.example\x1a\x04trueR\x07example*\t\x08\xe8\x07\x10\x80\x80'
    b'\x80\x80\x02B\x0b\n\tless_thanB\x0e\n\x0cgreater_than"\x81\x15\n\x0cFixed64Rules\x12\x86\x01\n\x05const\x18\x01 \x01('
    b"\x06Bp\xc2Hm\nk\n\rfixed64.const\x1aZthis != getField(rules, 'const') ? 'mus"
    b"t equal %s'.format([getField(rules, 'const')]) : ''R\x05const\x12\x8a\x01\n\x02l"
    b't\x18\x02 \x01(\x06Bx\xc2Hu\ns\n\nfixed64.lt\x1ae!has(rules.gte) && !has(rules.gt) &&'
    b" this >= rules.lt? 'must be less than %s'.format([rules.lt]) : '"
    b"'H\x00R\x02lt\x12\x9d\x01\n\x03lte\x18\x03 \x01(\x06B\x88\x01\xc2H\x84\x01\n\x81\x01\n\x0bfixed64.lte\x1ar!has(rules.gte) &&"
    b" !has(rules.gt) && this > rules.lte? 'must be less than or equal"
    b" to %s'.format([rules.lte]) : ''H\x00R\x03lte\x12\x87\x07\n\x02gt\x18\x04 \x01(\x06B\xf4\x06\xc2H\xf0\x06\nv\n\nf"
    b'ixed64.gt\x1ah!has(rules.lt) && !has(rules.lte) && this <= rules.gt'
    b"? 'must be greater than %s'.format([rules.gt]) : ''\n\xaf\x01\n\rfixed64."
    b'gt_lt\x1a\x9d\x01has(rules.lt) && rules.lt >= rules.gt && (this >= rules.'
    b"lt || this <= rules.gt)? 'must be greater than %s and less than "
    b"%s'.format([rules.gt, rules.lt]) : ''\n\xb7\x01\n\x17fixed64.gt_lt_exclusiv"
    b'e\x1a\x9b\x01has(rules.lt) && rules.lt < rules.gt && (rules.lt <= this &&'
    b" this <= rules.gt)? 'must be greater than %s or less than %s'.fo"
    b"rmat([rules.gt, rules.lt]) : ''\n\xbf\x01\n\x0efixed64.gt_lte\x1a\xac\x01has(rules.l"
    b'te) && rules.lte >= rules.gt && (this > rules.lte || this <= rul'
    b"es.gt)? 'must be greater than %s and less than or equal to %s'.f"
    b"ormat([rules.gt, rules.lte]) : ''\n\xc7\x01\n\x18fixed64.gt_lte_exclusive\x1a\xaa"
    b'\x01has(rules.lte) && rules.lte < rules.gt && (rules.lte < this && '
    b"this <= rules.gt)? 'must be greater than %s or less than or equa"
    b"l to %s'.format([rules.gt, rules.lte]) : ''H\x01R\x02gt\x12\xd4\x07\n\x03gte\x18\x05 \x01(\x06B"
    b'\xbf\x07\xc2H\xbb\x07\n\x84\x01\n\x0bfixed64.gte\x1au!has(rules.lt) && !has(rules.lte) && thi'
    b"s < rules.gte? 'must be greater than or equal to %s'.format([rul"
    b"es.gte]) : ''\n\xbe\x01\n\x0efixed64.gte_lt\x1a\xab\x01has(rules.lt) && rules.lt >= "
    b"rules.gte && (this >= rules.lt || this < rules.gte)? 'must be gr"
    b"eater than or equal to %s and less than %s'.format([rules.gte, r"
    b"ules.lt]) : ''\n\xc6\x01\n\x18fixed64.gte_lt_exclusive\x1a\xa9\x01has(rules.lt) && r"
    b"ules.lt < rules.gte && (rules.lt <= this && this < rules.gte)? '"
    b"must be greater than or equal to %s or less than %s'.format([rul"
    b"es.gte, rules.lt]) : ''\n\xce\x01\n\x0ffixed64.gte_lte\x1a\xba\x01has(rules.lte) && "
    b'rules.lte >= rules.gte && (this > rules.lte || this < rules.gte)'
    b"? 'must be greater than or equal to %s and less than or equal to"
    b" %s'.format([rules.gte, rules.lte]) : ''\n\xd6\x01\n\x19fixed64.gte_lte_exc"
    b'lusive\x1a\xb8\x01has(rules.lte) && rules.lte < rules.gte && (rules.lte <'
    b" this && this < rules.gte)? 'must be greater than or equal to %s"
    b" or less than or equal to %s'.format([rules.gte, rules.lte]) : '"
    b"'H\x01R\x03gte\x12\x7f\n\x02in\x18\x06 \x03(\x06Bo\xc2Hl\nj\n\nfixed64.in\x1a\\!(this in getField(rule"
    b"s, 'in')) ? 'must be in list %s'.format([getField(rules, 'in')])"
    b" : ''R\x02in\x12y\n\x06not_in\x18\x07 \x03(\x06Bb\xc2H_\n]\n\x0efixed64.not_in\x1aKthis in rules."
    b"not_in ? 'must not be in list %s'.format([rules.not_in]) : ''R\x05n"
    b'otIn\x126\n\x07example\x18\x08 \x03(\x06B\x1c\xc2H\x19\n\x17\n\x0ffixed64.example\x1a\x04trueR\x07example*\t\x08\xe8'
    b'\x07\x10\x80\x80\x80\x80\x02B\x0b\n\tless_thanB\x0e\n\x0cgreater_than"\x93\x15\n\rSFixed32Rules\x12\x87\x01\n\x05const'
    b"\x18\x01 \x01(\x0fBq\xc2Hn\nl\n\x0esfixed32.const\x1aZthis != getField(rules, 'const') "
    b"? 'must equal %s'.format([getField(rules, 'const')]) : ''R\x05const"
    b'\x12\x8b\x01\n\x02lt\x18\x02 \x01(\x0fBy\xc2Hv\nt\n\x0bsfixed32.lt\x1ae!has(rules.gte) && !has(rules'
    b".gt) && this >= rules.lt? 'must be less than %s'.format([rules.l"
    b"t]) : ''H\x00R\x02lt\x12\x9e\x01\n\x03lte\x18\x03 \x01(\x0fB\x89\x01\xc2H\x85\x01\n\x82\x01\n\x0csfixed32.lte\x1ar!has(rules"
    b".gte) && !has(rules.gt) && this > rules.lte? 'must be less than "
    b"or equal to %s'.format([rules.lte]) : ''H\x00R\x03lte\x12\x8c\x07\n\x02gt\x18\x04 \x01(\x0fB\xf9\x06\xc2"
    b'H\xf5\x06\nw\n\x0bsfixed32.gt\x1ah!has(rules.lt) && !has(rules.lte) && this <='
    b" rules.gt? 'must be greater than %s'.format([rules.gt]) : ''\n\xb0\x01\n"
    b'\x0esfixed32.gt_lt\x1a\x9d\x01has(rules.lt) && rules.lt >= rules.gt && (this'
    b" >= rules.lt || this <= rules.gt)? 'must be greater than %s and "
    b"less than %s'.format([rules.gt, rules.lt]) : ''\n\xb8\x01\n\x18sfixed32.gt_"
    b'lt_exclusive\x1a\x9b\x01has(rules.lt) && rules.lt < rules.gt && (rules.lt'
    b" <= this && this <= rules.gt)? 'must be greater than %s or less "
    b"than %s'.format([rules.gt, rules.lt]) : ''\n\xc0\x01\n\x0fsfixed32.gt_lte\x1a\xac"
    b'\x01has(rules.lte) && rules.lte >= rules.gt && (this > rules.lte ||'
    b" this <= rules.gt)? 'must be greater than %s and less than or eq"
    b"ual to %s'.format([rules.gt, rules.lte]) : ''\n\xc8\x01\n\x19sfixed32.gt_lt"
    b'e_exclusive\x1a\xaa\x01has(rules.lte) && rules.lte < rules.gt && (rules.l'
    b"te < this && this <= rules.gt)? 'must be greater than %s or less"
    b" than or equal to %s'.format([rules.gt, rules.lte]) : ''H\x01R\x02gt\x12\xd9"
    b'\x07\n\x03gte\x18\x05 \x01(\x0fB\xc4\x07\xc2H\xc0\x07\n\x85\x01\n\x0csfixed32.gte\x1au!has(rules.lt) && !has(rul'
    b"es.lte) && this < rules.gte? 'must be greater than or equal to %"
    b"s'.format([rules.gte]) : ''\n\xbf\x01\n\x0fsfixed32.gte_lt\x1a\xab\x01has(rules.lt) "
    b'&& rules.lt >= rules.gte && (this >= rules.lt || this < rules.gt'
    b"e)? 'must be greater than or equal to %s and less than %s'.forma"
    b"t([rules.gte, rules.lt]) : ''\n\xc7\x01\n\x19sfixed32.gte_lt_exclusive\x1a\xa9\x01ha"
    b's(rules.lt) && rules.lt < rules.gte && (rules.lt <= this && this'
    b" < rules.gte)? 'must be greater than or equal to %s or less than"
    b" %s'.format([rules.gte, rules.lt]) : ''\n\xcf\x01\n\x10sfixed32.gte_lte\x1a\xba\x01h"
    b'as(rules.lte) && rules.lte >= rules.gte && (this > rules.lte || '
    b"this < rules.gte)? 'must be greater than or equal to %s and less"
    b" than or equal to %s'.format([rules.gte, rules.lte]) : ''\n\xd7\x01\n\x1asf"
    b'ixed32.gte_lte_exclusive\x1a\xb8\x01has(rules.lte) && rules.lte < rules.g'
    b"te && (rules.lte < this && this < rules.gte)? 'must be greater t"
    b"han or equal to %s or less than or equal to %s'.format([rules.gt"
    b"e, rules.lte]) : ''H\x01R\x03gte\x12\x80\x01\n\x02in\x18\x06 \x03(\x0fBp\xc2Hm\nk\n\x0bsfixed32.in\x1a\\!(t"
    b"his in getField(rules, 'in')) ? 'must be in list %s'.format([get"
    b"Field(rules, 'in')]) : ''R\x02in\x12z\n\x06not_in\x18\x07 \x03(\x0fBc\xc2H`\n^\n\x0fsfixed32.n"
    b"ot_in\x1aKthis in rules.not_in ? 'must not be in list %s'.format([r"
    b"ules.not_in]) : ''R\x05notIn\x127\n\x07example\x18\x08 \x03(\x0fB\x1d\xc2H\x1a\n\x18\n\x10sfixed32.exam"
    b'ple\x1a\x04trueR\x07example*\t\x08\xe8\x07\x10\x80\x80\x80\x80\x02B\x0b\n\tless_thanB\x0e\n\x0cgreater_than"\x93\x15\n\rS'
    b'Fixed64Rules\x12\x87\x01\n\x05const\x18\x01 \x01(\x10Bq\xc2Hn\nl\n\x0esfixed64.const\x1aZthis != get'
    b"Field(rules, 'const') ? 'must equal %s'.format([getField(rules, "
    b"'const')]) : ''R\x05const\x12\x8b\x01\n\x02lt\x18\x02 \x01(\x10By\xc2Hv\nt\n\x0bsfixed64.lt\x1ae!has(ru"
    b"les.gte) && !has(rules.gt) && this >= rules.lt? 'must be less th"
    b"an %s'.format([rules.lt]) : ''H\x00R\x02lt\x12\x9e\x01\n\x03lte\x18\x03 \x01(\x10B\x89\x01\xc2H\x85\x01\n\x82\x01\n\x0csf"
    b'ixed64.lte\x1ar!has(rules.gte) && !has(rules.gt) && this > rules.lt'
    b"e? 'must be less than or equal to %s'.format([rules.lte]) : ''H\x00"
    b'R\x03lte\x12\x8c\x07\n\x02gt\x18\x04 \x01(\x10B\xf9\x06\xc2H\xf5\x06\nw\n\x0bsfixed64.gt\x1ah!has(rules.lt) && !has'
    b"(rules.lte) && this <= rules.gt? 'must be greater than %s'.forma"
    b"t([rules.gt]) : ''\n\xb0\x01\n\x0esfixed64.gt_lt\x1a\x9d\x01has(rules.lt) && rules.l"
    b"t >= rules.gt && (this >= rules.lt || this <= rules.gt)? 'must b"
    b"e greater than %s and less than %s'.format([rules.gt, rules.lt])"
    b" : ''\n\xb8\x01\n\x18sfixed64.gt_lt_exclusive\x1a\x9b\x01has(rules.lt) && rules.lt <"
    b" rules.gt && (rules.lt <= this && this <= rules.gt)? 'must be gr"
    b"eater than %s or less than %s'.format([rules.gt, rules.lt]) : ''"
    b'\n\xc0\x01\n\x0fsfixed64.gt_lte\x1a\xac\x01has(rules.lte) && rules.lte >= rules.gt &'
    b"& (this > rules.lte || this <= rules.gt)? 'must be greater than "
    b"%s and less than or equal to %s'.format([rules.gt, rules.lte]) :"
    b" ''\n\xc8\x01\n\x19sfixed64.gt_lte_exclusive\x1a\xaa\x01has(rules.lte) && rules.lte "
    b"< rules.gt && (rules.lte < this && this <= rules.gt)? 'must be g"
    b"reater than %s or less than or equal to %s'.format([rules.gt, ru"
    b"les.lte]) : ''H\x01R\x02gt\x12\xd9\x07\n\x03gte\x18\x05 \x01(\x10B\xc4\x07\xc2H\xc0\x07\n\x85\x01\n\x0csfixed64.gte\x1au!has"
    b"(rules.lt) && !has(rules.lte) && this < rules.gte? 'must be grea"
    b"ter than or equal to %s'.format([rules.gte]) : ''\n\xbf\x01\n\x0fsfixed64.g"
    b'te_lt\x1a\xab\x01has(rules.lt) && rules.lt >= rules.gte && (this >= rules'
    b".lt || this < rules.gte)? 'must be greater than or equal to %s a"
    b"nd less than %s'.format([rules.gte, rules.lt]) : ''\n\xc7\x01\n\x19sfixed64"
    b'.gte_lt_exclusive\x1a\xa9\x01has(rules.lt) && rules.lt < rules.gte && (ru'
    b"les.lt <= this && this < rules.gte)? 'must be greater than or eq"
    b"ual to %s or less than %s'.format([rules.gte, rules.lt]) : ''\n\xcf\x01"
    b'\n\x10sfixed64.gte_lte\x1a\xba\x01has(rules.lte) && rules.lte >= rules.gte &&'
    b" (this > rules.lte || this < rules.gte)? 'must be greater than o"
    b"r equal to %s and less than or equal to %s'.format([rules.gte, r"
    b"ules.lte]) : ''\n\xd7\x01\n\x1asfixed64.gte_lte_exclusive\x1a\xb8\x01has(rules.lte) "
    b'&& rules.lte < rules.gte && (rules.lte < this && this < rules.gt'
    b"e)? 'must be greater than or equal to %s or less than or equal t"
    b"o %s'.format([rules.gte, rules.lte]) : ''H\x01R\x03gte\x12\x80\x01\n\x02in\x18\x06 \x03(\x10Bp\xc2"
    b"Hm\nk\n\x0bsfixed64.in\x1a\\!(this in getField(rules, 'in')) ? 'must be i"
    b"n list %s'.format([getField(rules, 'in')]) : ''R\x02in\x12z\n\x06not_in\x18\x07 "
    b"\x03(\x10Bc\xc2H`\n^\n\x0fsfixed64.not_in\x1aKthis in rules.not_in ? 'must not be"
    b" in list %s'.format([rules.not_in]) : ''R\x05notIn\x127\n\x07example\x18\x08 \x03(\x10"
    b'B\x1d\xc2H\x1a\n\x18\n\x10sfixed64.example\x1a\x04trueR\x07example*\t\x08\xe8\x07\x10\x80\x80\x80\x80\x02B\x0b\n\tless_than'
    b'B\x0e\n\x0cgreater_than"\xd1\x01\n\tBoolRules\x12\x83\x01\n\x05const\x18\x01 \x01(\x08Bm\xc2Hj\nh\n\nbool.cons'
    b"t\x1aZthis != getField(rules, 'const') ? 'must equal %s'.format([ge"
    b"tField(rules, 'const')]) : ''R\x05const\x123\n\x07example\x18\x02 \x03(\x08B\x19\xc2H\x16\n\x14\n\x0cbo"
    b'ol.example\x1a\x04trueR\x07example*\t\x08\xe8\x07\x10\x80\x80\x80\x80\x02"\xcf?\n\x0bStringRules\x12\x87\x01\n\x05const\x18\x01'
    b" \x01(\tBq\xc2Hn\nl\n\x0cstring.const\x1a\\this != getField(rules, 'const') ? 'm"
    b"ust equal `%s`'.format([getField(rules, 'const')]) : ''R\x05const\x12v"
    b'\n\x03len\x18\x13 \x01(\x04Bd\xc2Ha\n_\n\nstring.len\x1aQuint(this.size()) != rules.len ?'
    b" 'must be %s characters'.format([rules.len]) : ''R\x03len\x12\x91\x01\n\x07min_l"
    b'en\x18\x02 \x01(\x04Bx\xc2Hu\ns\n\x0estring.min_len\x1aauint(this.size()) < rules.min_l'
    b"en ? 'must be at least %s characters'.format([rules.min_len]) : "
    b"''R\x06minLen\x12\x90\x01\n\x07max_len\x18\x03 \x01(\x04Bw\xc2Ht\nr\n\x0estring.max_len\x1a`uint(this.s"
    b"ize()) > rules.max_len ? 'must be at most %s characters'.format("
    b"[rules.max_len]) : ''R\x06maxLen\x12\x95\x01\n\tlen_bytes\x18\x14 \x01(\x04Bx\xc2Hu\ns\n\x10string"
    b".len_bytes\x1a_uint(bytes(this).size()) != rules.len_bytes ? 'must "
    b"be %s bytes'.format([rules.len_bytes]) : ''R\x08lenBytes\x12\x9e\x01\n\tmin_by"
    b'tes\x18\x04 \x01(\x04B\x80\x01\xc2H}\n{\n\x10string.min_bytes\x1aguint(bytes(this).size()) < '
    b"rules.min_bytes ? 'must be at least %s bytes'.format([rules.min_"
    b"bytes]) : ''R\x08minBytes\x12\x9c\x01\n\tmax_bytes\x18\x05 \x01(\x04B\x7f\xc2H|\nz\n\x10string.max_by"
    b"tes\x1afuint(bytes(this).size()) > rules.max_bytes ? 'must be at mo"
    b"st %s bytes'.format([rules.max_bytes]) : ''R\x08maxBytes\x12\x90\x01\n\x07patter"
    b"n\x18\x06 \x01(\tBv\xc2Hs\nq\n\x0estring.pattern\x1a_!this.matches(rules.pattern) ? '"
    b"does not match regex pattern `%s`'.format([rules.pattern]) : ''R"
    b'\x07pattern\x12\x86\x01\n\x06prefix\x18\x07 \x01(\tBn\xc2Hk\ni\n\rstring.prefix\x1aX!this.startsWit'
    b"h(rules.prefix) ? 'does not have prefix `%s`'.format([rules.pref"
    b"ix]) : ''R\x06prefix\x12\x84\x01\n\x06suffix\x18\x08 \x01(\tBl\xc2Hi\ng\n\rstring.suffix\x1aV!this."
    b"endsWith(rules.suffix) ? 'does not have suffix `%s`'.format([rul"
    b"es.suffix]) : ''R\x06suffix\x12\x94\x01\n\x08contains\x18\t \x01(\tBx\xc2Hu\ns\n\x0fstring.conta"
    b"ins\x1a`!this.contains(rules.contains) ? 'does not contain substrin"
    b"g `%s`'.format([rules.contains]) : ''R\x08contains\x12\x9e\x01\n\x0cnot_contains"
    b'\x18\x17 \x01(\tB{\xc2Hx\nv\n\x13string.not_contains\x1a_this.contains(rules.not_cont'
    b"ains) ? 'contains substring `%s`'.format([rules.not_contains]) :"
    b" ''R\x0bnotContains\x12~\n\x02in\x18\n \x03(\tBn\xc2Hk\ni\n\tstring.in\x1a\\!(this in getFie"
    b"ld(rules, 'in')) ? 'must be in list %s'.format([getField(rules, "
    b"'in')]) : ''R\x02in\x12x\n\x06not_in\x18\x0b \x03(\tBa\xc2H^\n\\\n\rstring.not_in\x1aKthis in "
    b"rules.not_in ? 'must not be in list %s'.format([rules.not_in]) :"
    b" ''R\x05notIn\x12\xe0\x01\n\x05email\x18\x0c \x01(\x08B\xc7\x01\xc2H\xc3\x01\n[\n\x0cstring.email\x12\x1dmust be a val"
    b"id email address\x1a,!rules.email || this == '' || this.isEmail()\nd"
    b'\n\x12string.email_empty\x122value is empty, which is not a valid email'
    b" address\x1a\x1a!rules.email || this != ''H\x00R\x05email\x12\xeb\x01\n\x08hostname\x18\r \x01(\x08"
    b'B\xcc\x01\xc2H\xc8\x01\n_\n\x0fstring.hostname\x12\x18must be a valid hostname\x1a2!rules.hos'
    b"tname || this == '' || this.isHostname()\ne\n\x15string.hostname_empt"
    b'y\x12-value is empty, which is not a valid hostname\x1a\x1d!rules.hostnam'
    b"e || this != ''H\x00R\x08hostname\x12\xc5\x01\n\x02ip\x18\x0e \x01(\x08B\xb2\x01\xc2H\xae\x01\nO\n\tstring.ip\x12\x1amu"
    b"st be a valid IP address\x1a&!rules.ip || this == '' || this.isIp()"
    b'\n[\n\x0fstring.ip_empty\x12/value is empty, which is not a valid IP add'
    b"ress\x1a\x17!rules.ip || this != ''H\x00R\x02ip\x12\xd6\x01\n\x04ipv4\x18\x0f \x01(\x08B\xbf\x01\xc2H\xbb\x01\nV\n\x0bstr"
    b"ing.ipv4\x12\x1cmust be a valid IPv4 address\x1a)!rules.ipv4 || this == '"
    b"' || this.isIp(4)\na\n\x11string.ipv4_empty\x121value is empty, which is"
    b" not a valid IPv4 address\x1a\x19!rules.ipv4 || this != ''H\x00R\x04ipv4\x12\xd6\x01\n"
    b'\x04ipv6\x18\x10 \x01(\x08B\xbf\x01\xc2H\xbb\x01\nV\n\x0bstring.ipv6\x12\x1cmust be a valid IPv6 address\x1a'
    b")!rules.ipv6 || this == '' || this.isIp(6)\na\n\x11string.ipv6_empty\x12"
    b'1value is empty, which is not a valid IPv6 address\x1a\x19!rules.ipv6 '
    b"|| this != ''H\x00R\x04ipv6\x12\xbe\x01\n\x03uri\x18\x11 \x01(\x08B\xa9\x01\xc2H\xa5\x01\nK\n\nstring.uri\x12\x13must b"
    b"e a valid URI\x1a(!rules.uri || this == '' || this.isUri()\nV\n\x10strin"
    b'g.uri_empty\x12(value is empty, which is not a valid URI\x1a\x18!rules.ur'
    b"i || this != ''H\x00R\x03uri\x12r\n\x07uri_ref\x18\x12 \x01(\x08BW\xc2HT\nR\n\x0estring.uri_ref\x12\x1d"
    b'must be a valid URI Reference\x1a!!rules.uri_ref || this.isUriRef()'
    b"H\x00R\x06uriRef\x12\x92\x02\n\x07address\x18\x15 \x01(\x08B\xf5\x01\xc2H\xf1\x01\n{\n\x0estring.address\x12'must be a"
    b" valid hostname, or ip address\x1a@!rules.address || this == '' || "
    b'this.isHostname() || this.isIp()\nr\n\x14string.address_empty\x12<value '
    b'is empty, which is not a valid hostname, or ip address\x1a\x1c!rules.a'
    b"ddress || this != ''H\x00R\x07address\x12\x98\x02\n\x04uuid\x18\x16 \x01(\x08B\x81\x02\xc2H\xfd\x01\n\x9f\x01\n\x0bstring"
    b".uuid\x12\x14must be a valid UUID\x1az!rules.uuid || this == '' || this.m"
    b"atches('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F"
    b"]{4}-[0-9a-fA-F]{12}$')\nY\n\x11string.uuid_empty\x12)value is empty, wh"
    b"ich is not a valid UUID\x1a\x19!rules.uuid || this != ''H\x00R\x04uuid\x12\xf1\x01\n\x05t"
    b'uuid\x18! \x01(\x08B\xd8\x01\xc2H\xd4\x01\nm\n\x0cstring.tuuid\x12\x1cmust be a valid trimmed UUID\x1a'
    b"?!rules.tuuid || this == '' || this.matches('^[0-9a-fA-F]{32}$')"
    b'\nc\n\x12string.tuuid_empty\x121value is empty, which is not a valid tri'
    b"mmed UUID\x1a\x1a!rules.tuuid || this != ''H\x00R\x05tuuid\x12\xa1\x02\n\x11ip_with_prefi"
    b'xlen\x18\x1a \x01(\x08B\xf2\x01\xc2H\xee\x01\nr\n\x18string.ip_with_prefixlen\x12\x19must be a valid I'
    b"P prefix\x1a;!rules.ip_with_prefixlen || this == '' || this.isIpPre"
    b'fix()\nx\n\x1estring.ip_with_prefixlen_empty\x12.value is empty, which i'
    b"s not a valid IP prefix\x1a&!rules.ip_with_prefixlen || this != ''H"
    b'\x00R\x0fipWithPrefixlen\x12\xdc\x02\n\x13ipv4_with_prefixlen\x18\x1b \x01(\x08B\xa9\x02\xc2H\xa5\x02\n\x8d\x01\n\x1astri'
    b'ng.ipv4_with_prefixlen\x12/must be a valid IPv4 address with prefix'
    b" length\x1a>!rules.ipv4_with_prefixlen || this == '' || this.isIpPr"
    b'efix(4)\n\x92\x01\n string.ipv4_with_prefixlen_empty\x12Dvalue is empty, wh'
    b'ich is not a valid IPv4 address with prefix length\x1a(!rules.ipv4_'
    b"with_prefixlen || this != ''H\x00R\x11ipv4WithPrefixlen\x12\xdc\x02\n\x13ipv6_with_"
    b'prefixlen\x18\x1c \x01(\x08B\xa9\x02\xc2H\xa5\x02\n\x8d\x01\n\x1astring.ipv6_with_prefixlen\x12/must be a'
    b' valid IPv6 address with prefix length\x1a>!rules.ipv6_with_prefixl'
    b"en || this == '' || this.isIpPrefix(6)\n\x92\x01\n string.ipv6_with_pref"
    b'ixlen_empty\x12Dvalue is empty, which is not a valid IPv6 address w'
    b"ith prefix length\x1a(!rules.ipv6_with_prefixlen || this != ''H\x00R\x11i"
    b'pv6WithPrefixlen\x12\xf6\x01\n\tip_prefix\x18\x1d \x01(\x08B\xd6\x01\xc2H\xd2\x01\nf\n\x10string.ip_prefix\x12'
    b"\x19must be a valid IP prefix\x1a7!rules.ip_prefix || this == '' || th"
    b'is.isIpPrefix(true)\nh\n\x16string.ip_prefix_empty\x12.value is empty, w'
    b"hich is not a valid IP prefix\x1a\x1e!rules.ip_prefix || this != ''H\x00R"
    b'\x08ipPrefix\x12\x89\x02\n\x0bipv4_prefix\x18\x1e \x01(\x08B\xe5\x01\xc2H\xe1\x01\no\n\x12string.ipv4_prefix\x12\x1bmu'
    b"st be a valid IPv4 prefix\x1a<!rules.ipv4_prefix || this == '' || t"
    b'his.isIpPrefix(4, true)\nn\n\x18string.ipv4_prefix_empty\x120value is em'
    b'pty, which is not a valid IPv4 prefix\x1a !rules.ipv4_prefix || thi'
    b"s != ''H\x00R\nipv4Prefix\x12\x89\x02\n\x0bipv6_prefix\x18\x1f \x01(\x08B\xe5\x01\xc2H\xe1\x01\no\n\x12string.ipv"
    b'6_prefix\x12\x1bmust be a valid IPv6 prefix\x1a<!rules.ipv6_prefix || thi'
    b"s == '' || this.isIpPrefix(6, true)\nn\n\x18string.ipv6_prefix_empty\x12"
    b'0value is empty, which is not a valid IPv6 prefix\x1a !rules.ipv6_p'
    b"refix || this != ''H\x00R\nipv6Prefix\x12\xbc\x02\n\rhost_and_port\x18  \x01(\x08B\x95\x02\xc2H\x91\x02"
    b'\n\x93\x01\n\x14string.host_and_port\x12;must be a valid host (hostname or IP '
    b"address) and port pair\x1a>!rules.host_and_port || this == '' || th"
    b'is.isHostAndPort(true)\ny\n\x1astring.host_and_port_empty\x127value is e'
    b'mpty, which is not a valid host and port pair\x1a"!rules.host_and_p'
    b"ort || this != ''H\x00R\x0bhostAndPort\x12\xf4\x01\n\x04ulid\x18# \x01(\x08B\xdd\x01\xc2H\xd9\x01\n|\n\x0bstring"
    b".ulid\x12\x14must be a valid ULID\x1aW!rules.ulid || this == '' || this.m"
    b"atches('^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$')\nY\n\x11string.u"
    b'lid_empty\x12)value is empty, which is not a valid ULID\x1a\x19!rules.uli'
    b"d || this != ''H\x00R\x04ulid\x12\xe1\x02\n\x0cprotobuf_fqn\x18% \x01(\x08B\xbb\x02\xc2H\xb7\x02\n\xaf\x01\n\x13string"
    b'.protobuf_fqn\x12-must be a valid fully-qualified Protobuf name\x1ai!r'
    b"ules.protobuf_fqn || this == '' || this.matches('^[A-Za-z_][A-Za"
    b"-z_0-9]*(\\\\.[A-Za-z_][A-Za-z_0-9]*)*$')\n\x82\x01\n\x19string.protobuf_fqn_"
    b'empty\x12Bvalue is empty, which is not a valid fully-qualified Prot'
    b"obuf name\x1a!!rules.protobuf_fqn || this != ''H\x00R\x0bprotobufFqn\x12\xa1\x03\n\x10"
    b'protobuf_dot_fqn\x18& \x01(\x08B\xf4\x02\xc2H\xf0\x02\n\xcd\x01\n\x17string.protobuf_dot_fqn\x12@must '
    b'be a valid fully-qualified Protobuf name with a leading dot\x1ap!ru'
    b"les.protobuf_dot_fqn || this == '' || this.matches('^\\\\.[A-Za-z_"
    b"][A-Za-z_0-9]*(\\\\.[A-Za-z_][A-Za-z_0-9]*)*$')\n\x9d\x01\n\x1dstring.protobu"
    b'f_dot_fqn_empty\x12Uvalue is empty, which is not a valid fully-qual'
    b'ified Protobuf name with a leading dot\x1a%!rules.protobuf_dot_fqn '
    b"|| this != ''H\x00R\x0eprotobufDotFqn\x12\xac\x05\n\x10well_known_regex\x18\x18 \x01(\x0e2\x18.buf"
    b'.validate.KnownRegexB\xe5\x04\xc2H\xe1\x04\n\xea\x01\n#string.well_known_regex.header_n'
    b'ame\x12 must be a valid HTTP header name\x1a\xa0\x01rules.well_known_regex !'
    b"= 1 || this == '' || this.matches(!has(rules.strict) || rules.st"
    b"rict ?'^:?[0-9a-zA-Z!#$%&\\'*+-.^_|~\\x60]+$' :'^[^\\u0000\\u000A\\u0"
    b"00D]+$')\n\x8d\x01\n)string.well_known_regex.header_name_empty\x125value is"
    b' empty, which is not a valid HTTP header name\x1a)rules.well_known_'
    b"regex != 1 || this != ''\n\xe1\x01\n$string.well_known_regex.header_valu"
    b'e\x12!must be a valid HTTP header value\x1a\x95\x01rules.well_known_regex !='
    b" 2 || this.matches(!has(rules.strict) || rules.strict ?'^[^\\u000"
    b"0-\\u0008\\u000A-\\u001F\\u007F]*$' :'^[^\\u0000\\u000A\\u000D]*$')H\x00R\x0e"
    b'wellKnownRegex\x12\x16\n\x06strict\x18\x19 \x01(\x08R\x06strict\x125\n\x07example\x18" \x03(\tB\x1b\xc2H\x18\n\x16\n\x0e'
    b'string.example\x1a\x04trueR\x07example*\t\x08\xe8\x07\x10\x80\x80\x80\x80\x02B\x0c\n\nwell_known"\xca\x12\n\nBytes'
    b'Rules\x12\x81\x01\n\x05const\x18\x01 \x01(\x0cBk\xc2Hh\nf\n\x0bbytes.const\x1aWthis != getField(rule'
    b"s, 'const') ? 'must be %x'.format([getField(rules, 'const')]) : "
    b"''R\x05const\x12p\n\x03len\x18\r \x01(\x04B^\xc2H[\nY\n\tbytes.len\x1aLuint(this.size()) != r"
    b"ules.len ? 'must be %s bytes'.format([rules.len]) : ''R\x03len\x12\x8b\x01\n\x07"
    b'min_len\x18\x02 \x01(\x04Br\xc2Ho\nm\n\rbytes.min_len\x1a\\uint(this.size()) < rules.m'
    b"in_len ? 'must be at least %s bytes'.format([rules.min_len]) : '"
    b"'R\x06minLen\x12\x8a\x01\n\x07max_len\x18\x03 \x01(\x04Bq\xc2Hn\nl\n\rbytes.max_len\x1a[uint(this.siz"
    b"e()) > rules.max_len ? 'must be at most %s bytes'.format([rules."
    b"max_len]) : ''R\x06maxLen\x12\x93\x01\n\x07pattern\x18\x04 \x01(\tBy\xc2Hv\nt\n\rbytes.pattern\x1ac"
    b"!string(this).matches(rules.pattern) ? 'must match regex pattern"
    b" `%s`'.format([rules.pattern]) : ''R\x07pattern\x12\x83\x01\n\x06prefix\x18\x05 \x01(\x0cBk\xc2"
    b"Hh\nf\n\x0cbytes.prefix\x1aV!this.startsWith(rules.prefix) ? 'does not h"
    b"ave prefix %x'.format([rules.prefix]) : ''R\x06prefix\x12\x81\x01\n\x06suffix\x18\x06 "
    b"\x01(\x0cBi\xc2Hf\nd\n\x0cbytes.suffix\x1aT!this.endsWith(rules.suffix) ? 'does n"
    b"ot have suffix %x'.format([rules.suffix]) : ''R\x06suffix\x12\x87\x01\n\x08conta"
    b'ins\x18\x07 \x01(\x0cBk\xc2Hh\nf\n\x0ebytes.contains\x1aT!this.contains(rules.contains)'
    b" ? 'does not contain %x'.format([rules.contains]) : ''R\x08contains"
    b"\x12\xa5\x01\n\x02in\x18\x08 \x03(\x0cB\x94\x01\xc2H\x90\x01\n\x8d\x01\n\x08bytes.in\x1a\x80\x01getField(rules, 'in').size()"
    b" > 0 && !(this in getField(rules, 'in')) ? 'must be in list %s'."
    b"format([getField(rules, 'in')]) : ''R\x02in\x12w\n\x06not_in\x18\t \x03(\x0cB`\xc2H]\n[\n"
    b"\x0cbytes.not_in\x1aKthis in rules.not_in ? 'must not be in list %s'.f"
    b"ormat([rules.not_in]) : ''R\x05notIn\x12\xe9\x01\n\x02ip\x18\n \x01(\x08B\xd6\x01\xc2H\xd2\x01\nn\n\x08bytes.i"
    b'p\x12\x1amust be a valid IP address\x1aF!rules.ip || this.size() == 0 || '
    b'this.size() == 4 || this.size() == 16\n`\n\x0ebytes.ip_empty\x12/value i'
    b's empty, which is not a valid IP address\x1a\x1d!rules.ip || this.size'
    b'() != 0H\x00R\x02ip\x12\xe4\x01\n\x04ipv4\x18\x0b \x01(\x08B\xcd\x01\xc2H\xc9\x01\n_\n\nbytes.ipv4\x12\x1cmust be a val'
    b'id IPv4 address\x1a3!rules.ipv4 || this.size() == 0 || this.size() '
    b'== 4\nf\n\x10bytes.ipv4_empty\x121value is empty, which is not a valid I'
    b'Pv4 address\x1a\x1f!rules.ipv4 || this.size() != 0H\x00R\x04ipv4\x12\xe5\x01\n\x04ipv6\x18\x0c '
    b'\x01(\x08B\xce\x01\xc2H\xca\x01\n`\n\nbytes.ipv6\x12\x1cmust be a valid IPv6 address\x1a4!rules.i'
    b'pv6 || this.size() == 0 || this.size() == 16\nf\n\x10bytes.ipv6_empty'
    b'\x121value is empty, which is not a valid IPv6 address\x1a\x1f!rules.ipv6'
    b' || this.size() != 0H\x00R\x04ipv6\x12\xd5\x01\n\x04uuid\x18\x0f \x01(\x08B\xbe\x01\xc2H\xba\x01\nX\n\nbytes.uuid'
    b'\x12\x14must be a valid UUID\x1a4!rules.uuid || this.size() == 0 || this.'
    b'size() == 16\n^\n\x10bytes.uuid_empty\x12)value is empty, which is not a'
    b' valid UUID\x1a\x1f!rules.uuid || this.size() != 0H\x00R\x04uuid\x124\n\x07example\x18'
    b'\x0e \x03(\x0cB\x1a\xc2H\x17\n\x15\n\rbytes.example\x1a\x04trueR\x07example*\t\x08\xe8\x07\x10\x80\x80\x80\x80\x02B\x0c\n\nwell_kn'
    b'own"\xea\x03\n\tEnumRules\x12\x83\x01\n\x05const\x18\x01 \x01(\x05Bm\xc2Hj\nh\n\nenum.const\x1aZthis != ge'
    b"tField(rules, 'const') ? 'must equal %s'.format([getField(rules,"
    b" 'const')]) : ''R\x05const\x12!\n\x0cdefined_only\x18\x02 \x01(\x08R\x0bdefinedOnly\x12|\n\x02in"
    b"\x18\x03 \x03(\x05Bl\xc2Hi\ng\n\x07enum.in\x1a\\!(this in getField(rules, 'in')) ? 'must"
    b" be in list %s'.format([getField(rules, 'in')]) : ''R\x02in\x12v\n\x06not_"
    b"in\x18\x04 \x03(\x05B_\xc2H\\\nZ\n\x0benum.not_in\x1aKthis in rules.not_in ? 'must not b"
    b"e in list %s'.format([rules.not_in]) : ''R\x05notIn\x123\n\x07example\x18\x05 \x03("
    b'\x05B\x19\xc2H\x16\n\x14\n\x0cenum.example\x1a\x04trueR\x07example*\t\x08\xe8\x07\x10\x80\x80\x80\x80\x02"\x90\x04\n\rRepeatedRul'
    b'es\x12\xa0\x01\n\tmin_items\x18\x01 \x01(\x04B\x82\x01\xc2H\x7f\n}\n\x12repeated.min_items\x1aguint(this.si'
    b"ze()) < rules.min_items ? 'must contain at least %d item(s)'.for"
    b"mat([rules.min_items]) : ''R\x08minItems\x12\xa6\x01\n\tmax_items\x18\x02 \x01(\x04B\x88\x01\xc2H\x84\x01"
    b"\n\x81\x01\n\x12repeated.max_items\x1akuint(this.size()) > rules.max_items ? '"
    b"must contain no more than %s item(s)'.format([rules.max_items]) "
    b": ''R\x08maxItems\x12x\n\x06unique\x18\x03 \x01(\x08B`\xc2H]\n[\n\x0frepeated.unique\x12(repeated"
    b' value must contain unique items\x1a\x1e!rules.unique || this.unique()'
    b'R\x06unique\x12.\n\x05items\x18\x04 \x01(\x0b2\x18.buf.validate.FieldRulesR\x05items*\t\x08\xe8\x07\x10\x80\x80'
    b'\x80\x80\x02"\xac\x03\n\x08MapRules\x12\x99\x01\n\tmin_pairs\x18\x01 \x01(\x04B|\xc2Hy\nw\n\rmap.min_pairs\x1afuint'
    b"(this.size()) < rules.min_pairs ? 'map must be at least %d entri"
    b"es'.format([rules.min_pairs]) : ''R\x08minPairs\x12\x98\x01\n\tmax_pairs\x18\x02 \x01(\x04"
    b"B{\xc2Hx\nv\n\rmap.max_pairs\x1aeuint(this.size()) > rules.max_pairs ? 'm"
    b"ap must be at most %d entries'.format([rules.max_pairs]) : ''R\x08m"
    b'axPairs\x12,\n\x04keys\x18\x04 \x01(\x0b2\x18.buf.validate.FieldRulesR\x04keys\x120\n\x06values\x18'
    b'\x05 \x01(\x0b2\x18.buf.validate.FieldRulesR\x06values*\t\x08\xe8\x07\x10\x80\x80\x80\x80\x02"1\n\x08AnyRules\x12\x0e'
    b'\n\x02in\x18\x02 \x03(\tR\x02in\x12\x15\n\x06not_in\x18\x03 \x03(\tR\x05notIn"\xec\x16\n\rDurationRules\x12\xa2\x01\n\x05cons'
    b't\x18\x02 \x01(\x0b2\x19.google.protobuf.DurationBq\xc2Hn\nl\n\x0eduration.const\x1aZthis '
    b"!= getField(rules, 'const') ? 'must equal %s'.format([getField(r"
    b"ules, 'const')]) : ''R\x05const\x12\xa6\x01\n\x02lt\x18\x03 \x01(\x0b2\x19.google.protobuf.Dura"
    b'tionBy\xc2Hv\nt\n\x0bduration.lt\x1ae!has(rules.gte) && !has(rules.gt) && t'
    b"his >= rules.lt? 'must be less than %s'.format([rules.lt]) : ''H"
    b'\x00R\x02lt\x12\xb9\x01\n\x03lte\x18\x04 \x01(\x0b2\x19.google.protobuf.DurationB\x89\x01\xc2H\x85\x01\n\x82\x01\n\x0cdurati'
    b"on.lte\x1ar!has(rules.gte) && !has(rules.gt) && this > rules.lte? '"
    b"must be less than or equal to %s'.format([rules.lte]) : ''H\x00R\x03lt"
    b'e\x12\xa7\x07\n\x02gt\x18\x05 \x01(\x0b2\x19.google.protobuf.DurationB\xf9\x06\xc2H\xf5\x06\nw\n\x0bduration.gt\x1a'
    b"h!has(rules.lt) && !has(rules.lte) && this <= rules.gt? 'must be"
    b" greater than %s'.format([rules.gt]) : ''\n\xb0\x01\n\x0eduration.gt_lt\x1a\x9d\x01h"
    b'as(rules.lt) && rules.lt >= rules.gt && (this >= rules.lt || thi'
    b"s <= rules.gt)? 'must be greater than %s and less than %s'.forma"
    b"t([rules.gt, rules.lt]) : ''\n\xb8\x01\n\x18duration.gt_lt_exclusive\x1a\x9b\x01has("
    b'rules.lt) && rules.lt < rules.gt && (rules.lt <= this && this <='
    b" rules.gt)? 'must be greater than %s or less than %s'.format([ru"
    b"les.gt, rules.lt]) : ''\n\xc0\x01\n\x0fduration.gt_lte\x1a\xac\x01has(rules.lte) && "
    b'rules.lte >= rules.gt && (this > rules.lte || this <= rules.gt)?'
    b" 'must be greater than %s and less than or equal to %s'.format(["
    b"rules.gt, rules.lte]) : ''\n\xc8\x01\n\x19duration.gt_lte_exclusive\x1a\xaa\x01has(r"
    b'ules.lte) && rules.lte < rules.gt && (rules.lte < this && this <'
    b"= rules.gt)? 'must be greater than %s or less than or equal to %"
    b"s'.format([rules.gt, rules.lte]) : ''H\x01R\x02gt\x12\xf4\x07\n\x03gte\x18\x06 \x01(\x0b2\x19.goog"
    b'le.protobuf.DurationB\xc4\x07\xc2H\xc0\x07\n\x85\x01\n\x0cduration.gte\x1au!has(rules.lt) && '
    b"!has(rules.lte) && this < rules.gte? 'must be greater than or eq"
    b"ual to %s'.format([rules.gte]) : ''\n\xbf\x01\n\x0fduration.gte_lt\x1a\xab\x01has(ru"
    b'les.lt) && rules.lt >= rules.gte && (this >= rules.lt || this < '
    b"rules.gte)? 'must be greater than or equal to %s and less than %"
    b"s'.format([rules.gte, rules.lt]) : ''\n\xc7\x01\n\x19duration.gte_lt_exclus"
    b'ive\x1a\xa9\x01has(rules.lt) && rules.lt < rules.gte && (rules.lt <= this'
    b" && this < rules.gte)? 'must be greater than or equal to %s or l"
    b"ess than %s'.format([rules.gte, rules.lt]) : ''\n\xcf\x01\n\x10duration.gte"
    b'_lte\x1a\xba\x01has(rules.lte) && rules.lte >= rules.gte && (this > rules'
    b".lte || this < rules.gte)? 'must be greater than or equal to %s "
    b"and less than or equal to %s'.format([rules.gte, rules.lte]) : '"
    b"'\n\xd7\x01\n\x1aduration.gte_lte_exclusive\x1a\xb8\x01has(rules.lte) && rules.lte <"
    b" rules.gte && (rules.lte < this && this < rules.gte)? 'must be g"
    b"reater than or equal to %s or less than or equal to %s'.format(["
    b"rules.gte, rules.lte]) : ''H\x01R\x03gte\x12\x9b\x01\n\x02in\x18\x07 \x03(\x0b2\x19.google.protobu"
    b"f.DurationBp\xc2Hm\nk\n\x0bduration.in\x1a\\!(this in getField(rules, 'in'))"
    b" ? 'must be in list %s'.format([getField(rules, 'in')]) : ''R\x02in"
    b'\x12\x95\x01\n\x06not_in\x18\x08 \x03(\x0b2\x19.google.protobuf.DurationBc\xc2H`\n^\n\x0fduration.no'
    b"t_in\x1aKthis in rules.not_in ? 'must not be in list %s'.format([ru"
    b"les.not_in]) : ''R\x05notIn\x12R\n\x07example\x18\t \x03(\x0b2\x19.google.protobuf.Dura"
    b'tionB\x1d\xc2H\x1a\n\x18\n\x10duration.example\x1a\x04trueR\x07example*\t\x08\xe8\x07\x10\x80\x80\x80\x80\x02B\x0b\n\tless_'
    b'thanB\x0e\n\x0cgreater_than"\x86\x06\n\x0eFieldMaskRules\x12\xc0\x01\n\x05const\x18\x01 \x01(\x0b2\x1a.google'
    b'.protobuf.FieldMaskB\x8d\x01\xc2H\x89\x01\n\x86\x01\n\x10field_mask.const\x1arthis.paths != g'
    b"etField(rules, 'const').paths ? 'must equal paths %s'.format([ge"
    b"tField(rules, 'const').paths]) : ''R\x05const\x12\xd7\x01\n\x02in\x18\x02 \x03(\tB\xc6\x01\xc2H\xc2\x01\n\xbf"
    b"\x01\n\rfield_mask.in\x1a\xad\x01!this.paths.all(p, p in getField(rules, 'in')"
    b" || getField(rules, 'in').exists(f, p.startsWith(f+'.'))) ? 'mus"
    b"t only contain paths in %s'.format([getField(rules, 'in')]) : ''"
    b'R\x02in\x12\xf4\x01\n\x06not_in\x18\x03 \x03(\tB\xdc\x01\xc2H\xd8\x01\n\xd5\x01\n\x11field_mask.not_in\x1a\xbf\x01!this.paths'
    b".all(p, !(p in getField(rules, 'not_in') || getField(rules, 'not"
    b"_in').exists(f, p.startsWith(f+'.')))) ? 'must not contain any p"
    b"aths in %s'.format([getField(rules, 'not_in')]) : ''R\x05notIn\x12U\n\x07e"
    b'xample\x18\x04 \x03(\x0b2\x1a.google.protobuf.FieldMaskB\x1f\xc2H\x1c\n\x1a\n\x12field_mask.exam'
    b'ple\x1a\x04trueR\x07example*\t\x08\xe8\x07\x10\x80\x80\x80\x80\x02"\xe8\x17\n\x0eTimestampRules\x12\xa4\x01\n\x05const\x18\x02 \x01(\x0b'
    b'2\x1a.google.protobuf.TimestampBr\xc2Ho\nm\n\x0ftimestamp.const\x1aZthis != ge'
    b"tField(rules, 'const') ? 'must equal %s'.format([getField(rules,"
    b" 'const')]) : ''R\x05const\x12\xa8\x01\n\x02lt\x18\x03 \x01(\x0b2\x1a.google.protobuf.Timestamp"
    b'Bz\xc2Hw\nu\n\x0ctimestamp.lt\x1ae!has(rules.gte) && !has(rules.gt) && this'
    b" >= rules.lt? 'must be less than %s'.format([rules.lt]) : ''H\x00R\x02"
    b'lt\x12\xbb\x01\n\x03lte\x18\x04 \x01(\x0b2\x1a.google.protobuf.TimestampB\x8a\x01\xc2H\x86\x01\n\x83\x01\n\rtimestam'
    b"p.lte\x1ar!has(rules.gte) && !has(rules.gt) && this > rules.lte? 'm"
    b"ust be less than or equal to %s'.format([rules.lte]) : ''H\x00R\x03lte"
    b'\x12m\n\x06lt_now\x18\x07 \x01(\x08BT\xc2HQ\nO\n\x10timestamp.lt_now\x1a;(rules.lt_now && this'
    b" > now) ? 'must be less than now' : ''H\x00R\x05ltNow\x12\xad\x07\n\x02gt\x18\x05 \x01(\x0b2\x1a.g"
    b'oogle.protobuf.TimestampB\xfe\x06\xc2H\xfa\x06\nx\n\x0ctimestamp.gt\x1ah!has(rules.lt) '
    b"&& !has(rules.lte) && this <= rules.gt? 'must be greater than %s"
    b"'.format([rules.gt]) : ''\n\xb1\x01\n\x0ftimestamp.gt_lt\x1a\x9d\x01has(rules.lt) &&"
    b' rules.lt >= rules.gt && (this >= rules.lt || this <= rules.gt)?'
    b" 'must be greater than %s and less than %s'.format([rules.gt, ru"
    b"les.lt]) : ''\n\xb9\x01\n\x19timestamp.gt_lt_exclusive\x1a\x9b\x01has(rules.lt) && r"
    b"ules.lt < rules.gt && (rules.lt <= this && this <= rules.gt)? 'm"
    b"ust be greater than %s or less than %s'.format([rules.gt, rules."
    b"lt]) : ''\n\xc1\x01\n\x10timestamp.gt_lte\x1a\xac\x01has(rules.lte) && rules.lte >= "
    b"rules.gt && (this > rules.lte || this <= rules.gt)? 'must be gre"
    b"ater than %s and less than or equal to %s'.format([rules.gt, rul"
    b"es.lte]) : ''\n\xc9\x01\n\x1atimestamp.gt_lte_exclusive\x1a\xaa\x01has(rules.lte) &&"
    b' rules.lte < rules.gt && (rules.lte < this && this <= rules.gt)?'
    b" 'must be greater than %s or less than or equal to %s'.format([r"
    b"ules.gt, rules.lte]) : ''H\x01R\x02gt\x12\xfa\x07\n\x03gte\x18\x06 \x01(\x0b2\x1a.google.protobuf."
    b'TimestampB\xc9\x07\xc2H\xc5\x07\n\x86\x01\n\rtimestamp.gte\x1au!has(rules.lt) && !has(rules'
    b".lte) && this < rules.gte? 'must be greater than or equal to %s'"
    b".format([rules.gte]) : ''\n\xc0\x01\n\x10timestamp.gte_lt\x1a\xab\x01has(rules.lt) &"
    b'& rules.lt >= rules.gte && (this >= rules.lt || this < rules.gte'
    b")? 'must be greater than or equal to %s and less than %s'.format"
    b"([rules.gte, rules.lt]) : ''\n\xc8\x01\n\x1atimestamp.gte_lt_exclusive\x1a\xa9\x01ha"
    b's(rules.lt) && rules.lt < rules.gte && (rules.lt <= this && this'
    b" < rules.gte)? 'must be greater than or equal to %s or less than"
    b" %s'.format([rules.gte, rules.lt]) : ''\n\xd0\x01\n\x11timestamp.gte_lte\x1a\xba\x01"
    b'has(rules.lte) && rules.lte >= rules.gte && (this > rules.lte ||'
    b" this < rules.gte)? 'must be greater than or equal to %s and les"
    b"s than or equal to %s'.format([rules.gte, rules.lte]) : ''\n\xd8\x01\n\x1bt"
    b'imestamp.gte_lte_exclusive\x1a\xb8\x01has(rules.lte) && rules.lte < rules'
    b".gte && (rules.lte < this && this < rules.gte)? 'must be greater"
    b" than or equal to %s or less than or equal to %s'.format([rules."
    b"gte, rules.lte]) : ''H\x01R\x03gte\x12p\n\x06gt_now\x18\x08 \x01(\x08BW\xc2HT\nR\n\x10timestamp.g"
    b"t_now\x1a>(rules.gt_now && this < now) ? 'must be greater than now'"
    b" : ''H\x01R\x05gtNow\x12\xb9\x01\n\x06within\x18\t \x01(\x0b2\x19.google.protobuf.DurationB\x85\x01\xc2H\x81"
    b'\x01\n\x7f\n\x10timestamp.within\x1akthis < now-rules.within || this > now+rul'
    b"es.within ? 'must be within %s of now'.format([rules.within]) : "
    b"''R\x06within\x12T\n\x07example\x18\n \x03(\x0b2\x1a.google.protobuf.TimestampB\x1e\xc2H\x1b\n\x19\n\x11"
    b'timestamp.example\x1a\x04trueR\x07example*\t\x08\xe8\x07\x10\x80\x80\x80\x80\x02B\x0b\n\tless_thanB\x0e\n\x0cgrea'
    b'ter_than"E\n\nViolations\x127\n\nviolations\x18\x01 \x03(\x0b2\x17.buf.validate.Violat'
    b'ionR\nviolations"\xc5\x01\n\tViolation\x12-\n\x05field\x18\x05 \x01(\x0b2\x17.buf.validate.Fiel'
    b'dPathR\x05field\x12+\n\x04rule\x18\x06 \x01(\x0b2\x17.buf.validate.FieldPathR\x04rule\x12\x17\n\x07rul'
    b'e_id\x18\x02 \x01(\tR\x06ruleId\x12\x18\n\x07message\x18\x03 \x01(\tR\x07message\x12\x17\n\x07for_key\x18\x04 \x01(\x08R\x06f'
    b'orKeyJ\x04\x08\x01\x10\x02R\nfield_path"G\n\tFieldPath\x12:\n\x08elements\x18\x01 \x03(\x0b2\x1e.buf.val'
    b'idate.FieldPathElementR\x08elements"\xcc\x03\n\x10FieldPathElement\x12!\n\x0cfield_n'
    b'umber\x18\x01 \x01(\x05R\x0bfieldNumber\x12\x1d\n\nfield_name\x18\x02 \x01(\tR\tfieldName\x12I\n\nfield'
    b'_type\x18\x03 \x01(\x0e2*.google.protobuf.FieldDescriptorProto.TypeR\tfieldTy'
    b'pe\x12E\n\x08key_type\x18\x04 \x01(\x0e2*.google.protobuf.FieldDescriptorProto.Type'
    b'R\x07keyType\x12I\n\nvalue_type\x18\x05 \x01(\x0e2*.google.protobuf.FieldDescriptorP'
    b'roto.TypeR\tvalueType\x12\x16\n\x05index\x18\x06 \x01(\x04H\x00R\x05index\x12\x1b\n\x08bool_key\x18\x07 \x01(\x08H\x00'
    b'R\x07boolKey\x12\x19\n\x07int_key\x18\x08 \x01(\x03H\x00R\x06intKey\x12\x1b\n\x08uint_key\x18\t \x01(\x04H\x00R\x07uintKe'
    b'y\x12\x1f\n\nstring_key\x18\n \x01(\tH\x00R\tstringKeyB\x0b\n\tsubscript*\xa1\x01\n\x06Ignore\x12\x16\n\x12IG'
    b'NORE_UNSPECIFIED\x10\x00\x12\x18\n\x14IGNORE_IF_ZERO_VALUE\x10\x01\x12\x11\n\rIGNORE_ALWAYS\x10\x03"'
    b'\x04\x08\x02\x10\x02*\x0cIGNORE_EMPTY*\x0eIGNORE_DEFAULT*\x17IGNORE_IF_DEFAULT_VALUE*\x15IG'
    b'NORE_IF_UNPOPULATED*n\n\nKnownRegex\x12\x1b\n\x17KNOWN_REGEX_UNSPECIFIED\x10\x00\x12 '
    b'\n\x1cKNOWN_REGEX_HTTP_HEADER_NAME\x10\x01\x12!\n\x1dKNOWN_REGEX_HTTP_HEADER_VALU'
    b'E\x10\x02:V\n\x07message\x12\x1f.google.protobuf.MessageOptions\x18\x87\t \x01(\x0b2\x1a.buf.val'
    b'idate.MessageRulesR\x07message:N\n\x05oneof\x12\x1d.google.protobuf.OneofOpti'
    b'ons\x18\x87\t \x01(\x0b2\x18.buf.validate.OneofRulesR\x05oneof:N\n\x05field\x12\x1d.google.pr'
    b'otobuf.FieldOptions\x18\x87\t \x01(\x0b2\x18.buf.validate.FieldRulesR\x05field:]\n\np'
    b'redefined\x12\x1d.google.protobuf.FieldOptions\x18\x88\t \x01(\x0b2\x1d.buf.validate.P'
    b'redefinedRulesR\npredefinedBn\n\x12build.buf.validateB\rValidateProtoP'
    b'\x01ZGbuf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/bu'
    b'f/validate'
)
